import type { ErrorCode, SourceIssue } from '../spec/index.js'

/**
 * Errors a user can cause or act on. Each has a stable code (never reused)
 * explained in docs/errors.md; the CLI prints the message and the code, never
 * a stack trace.
 */
export class HarnessError extends Error {
  constructor(readonly code: ErrorCode, message: string) {
    super(message)
    this.name = 'HarnessError'
  }
}

/** Scenario files with problems; every problem has file:line:col and the document path. */
export class ScenarioInvalidError extends HarnessError {
  constructor(readonly issues: SourceIssue[]) {
    super('HX_SCENARIO_INVALID', `${issues.length} problem${issues.length === 1 ? '' : 's'} in scenario files`)
  }
}

/** A target file that cannot be used; every problem has file:line:col. */
export class TargetInvalidError extends HarnessError {
  constructor(readonly issues: SourceIssue[]) {
    super('HX_TARGET_INVALID', `invalid target:\n${issues.map((i) => `  ${i.file}:${i.line}:${i.col}${i.path ? ` ${i.path}` : ''}: ${i.message}`).join('\n')}`)
  }
}

/** Nothing answers at the target's address (connection refused, DNS, TLS handshake...). */
export class TargetUnreachableError extends HarnessError {
  constructor(message: string) {
    super('HX_TARGET_UNREACHABLE', message)
  }
}

/**
 * Something answers at the target's address, but not as an MQTT broker (an
 * HTTP server, a server that never answers, a close before CONNACK), or its
 * declared HTTP data plane does not answer HTTP: exit 3, like unreachable.
 */
export class TargetNotMqttError extends HarnessError {
  constructor(message: string) {
    super('HX_TARGET_NOT_MQTT', message)
  }
}

/** A command-line value that cannot be used (`--shard 3/2`, a bad `--grep`...). */
export class CliUsageError extends HarnessError {
  constructor(message: string) {
    super('HX_CLI_USAGE', message)
  }
}

/**
 * The broker broke an expectation: the scenario is `failed`. Carries what was
 * expected and what was seen, for the report.
 */
export class ExpectationFailure extends Error {
  constructor(message: string, readonly expected?: unknown, readonly actual?: unknown) {
    super(message)
    this.name = 'ExpectationFailure'
  }
}

/**
 * The harness could not carry a step out (the step cannot apply to this
 * client, a library refused a packet...): the scenario is `errored`.
 */
export class StepError extends HarnessError {
  constructor(message: string) {
    super('HX_STEP_ERROR', message)
  }
}

/** The scenario's own deadline passed: `errored`, naming the step that was running. */
export class ScenarioTimeoutError extends HarnessError {
  constructor(message: string) {
    super('HX_SCENARIO_TIMEOUT', message)
  }
}
