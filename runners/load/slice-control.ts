import type { LoadAbort } from '../../spec/index.js'

/**
 * How a running slice is told to stop early, and how it says it stopped the
 * run itself. A slice whose abortOnFail threshold fails calls `fired`; the
 * runner then `stop`s every other slice (worker threads, and other shards
 * through a stop file) with the same abort, so the whole run ends together.
 */
export class SliceControl {
  private handler: ((a: LoadAbort) => void) | undefined
  private request: LoadAbort | undefined

  constructor(private readonly onFired: (a: LoadAbort) => void = () => {}) {}

  /** The slice's own abortOnFail threshold failed. */
  fired(a: LoadAbort): void {
    this.request ??= a
    this.onFired(a)
  }

  /** Stop the slice (another slice's threshold fired); the first request wins. */
  stop(a: LoadAbort): void {
    if (this.request) return
    this.request = a
    this.handler?.(a)
  }

  /** The slice registers what stopping means; a request that came earlier is delivered at once. */
  onStop(fn: (a: LoadAbort) => void): void {
    this.handler = fn
    if (this.request) fn(this.request)
  }
}
