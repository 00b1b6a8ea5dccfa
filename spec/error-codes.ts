import { EXIT, type ExitCode } from './exit-codes.js'

/**
 * Every error code a user can meet, with what the CLI exits with when it ends a
 * command (`null`: the code never ends a command; it marks a scenario result,
 * a load sample or a programming error in a library call). docs/errors.md
 * explains each; test/architecture/error-codes.test.ts keeps the two equal, and
 * the error base classes take only these codes. Codes are never reused.
 */
export const ERROR_CODES = {
  HX_PROFILE_INVALID: { exit: EXIT.INVALID_INPUT },
  HX_BROKER_LISTEN: { exit: EXIT.INVALID_INPUT },
  HX_POLICY_INVALID: { exit: EXIT.INVALID_INPUT },
  HX_DEVIATION_UNKNOWN: { exit: EXIT.INVALID_INPUT },
  HX_CLI_USAGE: { exit: EXIT.INVALID_INPUT },
  HX_REPORTER_UNKNOWN: { exit: EXIT.INVALID_INPUT },
  HX_REPORTER_DUPLICATE: { exit: null },
  HX_REPORT_INVALID: { exit: EXIT.INVALID_INPUT },
  HX_REPORT_VERSION: { exit: EXIT.INVALID_INPUT },
  HX_REPORT_MERGE_CONFLICT: { exit: EXIT.INVALID_INPUT },
  HX_SCENARIO_INVALID: { exit: EXIT.INVALID_INPUT },
  HX_TARGET_INVALID: { exit: EXIT.INVALID_INPUT },
  HX_TARGET_UNREACHABLE: { exit: EXIT.TARGET_UNREACHABLE },
  HX_TARGET_NOT_MQTT: { exit: EXIT.TARGET_UNREACHABLE },
  HX_TARGET_GONE: { exit: null },
  HX_STEP_ERROR: { exit: null },
  HX_SCENARIO_TIMEOUT: { exit: null },
  HX_STEP_DUPLICATE: { exit: null },
  HX_STEP_REGISTRY: { exit: null },
  HX_LOAD_IDENTITIES: { exit: EXIT.INVALID_INPUT },
  HX_LOAD_SETUP: { exit: EXIT.INVALID_INPUT },
  HX_LOAD_BAD_RESPONSE: { exit: null },
  HX_LOAD_POOL_CLOSED: { exit: null },
  HX_LOAD_POOL_FULL: { exit: null },
  HX_INTERNAL: { exit: EXIT.INTERNAL_ERROR },
} as const satisfies Record<string, { exit: ExitCode | null }>

export type ErrorCode = keyof typeof ERROR_CODES

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code)
}

/** The exit code of a command that ends with this error (invalid input for a code that names none). */
export function exitCodeFor(code: ErrorCode): ExitCode {
  return ERROR_CODES[code].exit ?? EXIT.INVALID_INPUT
}
