import type { ErrorCode } from '../spec/index.js'

/**
 * Errors the reports folder reports to a user. Every class has a stable code
 * (never reused, explained in docs/errors.md); messages say what to change.
 */
export class ReportError extends Error {
  constructor(readonly code: ErrorCode, message: string) {
    super(message)
    this.name = 'ReportError'
  }
}

/** `--reporter` named a format nobody registered. */
export class ReporterUnknownError extends ReportError {
  constructor(readonly reporter: string, readonly known: readonly string[]) {
    super('HX_REPORTER_UNKNOWN', `unknown reporter "${reporter}"; known reporters: ${known.join(', ')}`)
  }
}

/** Two formats registered under one name: the second would silently shadow the first. */
export class ReporterDuplicateError extends ReportError {
  constructor(readonly reporter: string) {
    super('HX_REPORTER_DUPLICATE', `a reporter named "${reporter}" is already registered`)
  }
}

/** One problem in a report file: the path of the field in the document and what is wrong. */
export interface ReportProblem {
  path: string
  message: string
}

/** A report file that cannot be read, is not JSON, or does not match the report schema. */
export class ReportInvalidError extends ReportError {
  constructor(readonly file: string, readonly problems: ReportProblem[]) {
    super('HX_REPORT_INVALID', `invalid report ${file}:\n` + problems.map((p) => `  ${p.path || '(root)'}: ${p.message}`).join('\n'))
  }
}

/** Reports written with another report schema version cannot be read or mixed. */
export class ReportVersionError extends ReportError {
  constructor(message: string) {
    super('HX_REPORT_VERSION', message)
  }
}

/** Reports that cannot be merged: the same scenario twice, or runs against different targets. */
export class ReportMergeConflictError extends ReportError {
  constructor(message: string) {
    super('HX_REPORT_MERGE_CONFLICT', message)
  }
}
