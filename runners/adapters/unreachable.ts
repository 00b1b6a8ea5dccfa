import { TargetUnreachableError } from '../errors.js'

/** Error codes that mean nothing answers at the address (not a broker misbehaving). */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EADDRNOTAVAIL'])

/** Whether a transport error means the target is unreachable. */
export function isUnreachable(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  if (code && UNREACHABLE.has(code)) return true
  const cause = (err as { cause?: unknown } | undefined)?.cause
  return cause !== undefined && cause !== err && isUnreachable(cause)
}

/** A TargetUnreachableError for `url` explaining the transport error. */
export function unreachable(url: string, err: unknown): TargetUnreachableError {
  const e = err as NodeJS.ErrnoException
  return new TargetUnreachableError(`cannot reach ${url}: ${e.code ?? ''}${e.code ? ' ' : ''}${e.message ?? String(err)}`.trim())
}
