import { HarnessError } from '../errors.js'

/** A load scenario that cannot run as written on this target (e.g. direct messages to a target without HTTP). */
export class LoadSetupError extends HarnessError {
  constructor(message: string) {
    super('HX_LOAD_SETUP', message)
  }
}
