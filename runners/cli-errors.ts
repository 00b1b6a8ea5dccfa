import { BrokerError } from '../reference-broker/index.js'
import { ReportError } from '../reports/index.js'
import { formatIssue } from '../spec/index.js'
import { HarnessError, ScenarioInvalidError } from './errors.js'
import { EXIT } from './exit-codes.js'

/** Error codes that mean the target cannot be tested (exit 3). */
const TARGET_CODES = new Set(['HX_TARGET_UNREACHABLE', 'HX_TARGET_NOT_MQTT'])

/**
 * Prints a user's mistake (scenario, target, profile, reporter, command line,
 * unreachable target) with its code and sets the exit code; anything else is
 * rethrown as an internal error. Never prints a stack trace for a user error.
 */
export function reportCliError(err: unknown, command: string, setExit: (code: number) => void): void {
  const out = (s: string) => process.stderr.write(s.endsWith('\n') ? s : s + '\n')
  if (err instanceof ScenarioInvalidError) {
    for (const issue of err.issues) out(formatIssue(issue))
    out(`mqtt-harness ${command}: ${err.message}; nothing was run (${err.code})`)
    return setExit(EXIT.INVALID_INPUT)
  }
  if (err instanceof HarnessError) {
    out(`mqtt-harness ${command}: ${err.message} (${err.code})`)
    return setExit(TARGET_CODES.has(err.code) ? EXIT.TARGET_UNREACHABLE : EXIT.INVALID_INPUT)
  }
  if (err instanceof BrokerError || err instanceof ReportError) {
    out(`mqtt-harness ${command}: ${err.message} (${err.code})`)
    return setExit(err.code === 'HX_BROKER_LISTEN' ? EXIT.TARGET_UNREACHABLE : EXIT.INVALID_INPUT)
  }
  throw err
}
