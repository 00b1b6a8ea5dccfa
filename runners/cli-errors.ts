import { BrokerError } from '../reference-broker/index.js'
import { ReportError } from '../reports/index.js'
import { exitCodeFor, formatIssue } from '../spec/index.js'
import { HarnessError, ScenarioInvalidError } from './errors.js'

/**
 * Prints a user's mistake (scenario, target, profile, reporter, command line,
 * unreachable target) with its code and sets the exit code the error-code
 * registry (spec/error-codes.ts) gives it; anything else is rethrown as an
 * internal error. Never prints a stack trace for a user error.
 */
export function reportCliError(err: unknown, command: string, setExit: (code: number) => void): void {
  const out = (s: string) => process.stderr.write(s.endsWith('\n') ? s : s + '\n')
  if (err instanceof ScenarioInvalidError) {
    for (const issue of err.issues) out(formatIssue(issue))
    out(`mqtt-harness ${command}: ${err.message}; nothing was run (${err.code})`)
    return setExit(exitCodeFor(err.code))
  }
  if (err instanceof HarnessError || err instanceof BrokerError || err instanceof ReportError) {
    out(`mqtt-harness ${command}: ${err.message} (${err.code})`)
    return setExit(exitCodeFor(err.code))
  }
  throw err
}
