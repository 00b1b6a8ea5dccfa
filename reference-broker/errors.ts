/**
 * Errors the reference broker reports to a user. Every class has a stable code
 * (never reused) that docs/errors.md explains; messages say what to change.
 */
/** The codes the broker raises (each also in spec's ERROR_CODES: runners/cli-errors.ts would not compile otherwise). */
export type BrokerErrorCode = 'HX_PROFILE_INVALID' | 'HX_BROKER_LISTEN' | 'HX_POLICY_INVALID' | 'HX_DEVIATION_UNKNOWN'

export class BrokerError extends Error {
  constructor(readonly code: BrokerErrorCode, message: string) {
    super(message)
    this.name = 'BrokerError'
  }
}

/** A profile or config file that cannot be used: names the file, the field and the problem. */
export class ProfileInvalidError extends BrokerError {
  constructor(readonly file: string, readonly problems: { path: string; message: string }[]) {
    super('HX_PROFILE_INVALID', `invalid profile ${file}:\n` + problems.map((p) => `  ${p.path || '(root)'}: ${p.message}`).join('\n'))
  }
}

/** A listener could not be opened (port in use, bad TLS material...). */
export class ListenError extends BrokerError {
  constructor(message: string) {
    super('HX_BROKER_LISTEN', message)
  }
}

/** A policy document or the profile's `auth` section cannot be used: names the source and each problem. */
export class PolicyInvalidError extends BrokerError {
  constructor(readonly source: string, readonly problems: string[]) {
    super('HX_POLICY_INVALID', `invalid authorization config (${source}):\n` + problems.map((p) => `  ${p}`).join('\n'))
  }
}

/** A deviation name that does not exist (harness self-tests). */
export class DeviationUnknownError extends BrokerError {
  constructor(name: string, known: string[]) {
    super('HX_DEVIATION_UNKNOWN', `unknown deviation "${name}"; known: ${known.join(', ')}`)
  }
}
