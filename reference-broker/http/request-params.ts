import { invalidRequest } from './api-error.js'

/**
 * Strict decoding of the request line. Every malformed escape (`%ZZ`, a cut
 * `%4`, bytes that are not UTF-8) is a 400 InvalidRequestException
 * [DM-STATUS-400], never a silently kept literal.
 */
export function decodeComponent(raw: string, what: string, plusIsSpace = false): string {
  // Nothing to decode (most names and values): no escape, no form-encoded space.
  const plus = plusIsSpace && raw.indexOf('+') !== -1
  if (!plus && raw.indexOf('%') === -1) return raw
  try {
    return decodeURIComponent(plus ? raw.replace(/\+/g, ' ') : raw)
  } catch {
    throw invalidRequest(`malformed-encoding`, `${what} is not correctly URL-encoded`)
  }
}

/**
 * The query string as name → value. `+` means a space (form encoding, what
 * URLSearchParams and most clients send); a literal plus is `%2B`. A parameter
 * given twice is refused rather than guessed at.
 */
export function parseQuery(raw: string): Map<string, string> {
  const params = new Map<string, string>()
  if (raw === '') return params
  for (const part of raw.split('&')) {
    if (part === '') continue
    const eq = part.indexOf('=')
    const name = decodeComponent(eq === -1 ? part : part.slice(0, eq), 'a query parameter name', true)
    const value = eq === -1 ? '' : decodeQueryValue(part.slice(eq + 1), name)
    if (params.has(name)) throw invalidRequest('duplicate-parameter', `Query parameter ${name} is given more than once`)
    params.set(name, value)
  }
  return params
}

/** A query parameter's value (its error names the parameter; the name is only joined in then). */
function decodeQueryValue(raw: string, name: string): string {
  if (raw.indexOf('%') === -1 && raw.indexOf('+') === -1) return raw
  return decodeComponent(raw, `query parameter ${name}`, true)
}

/** Typed access to the query parameters with AWS-style validation messages. */
export class QueryParams {
  constructor(private readonly params: Map<string, string>) {}

  has(name: string): boolean {
    return this.params.has(name)
  }

  string(name: string): string | undefined {
    return this.params.get(name)
  }

  /** `true` or `false`, exactly; absent → `fallback`. */
  bool(name: string, fallback: boolean): boolean {
    const v = this.params.get(name)
    if (v === undefined) return fallback
    if (v === 'true') return true
    if (v === 'false') return false
    throw invalidRequest(`invalid-${kebab(name)}`, `${name} must be true or false`)
  }

  /** A decimal integer in [min, max]; absent → `fallback`. */
  int(name: string, min: number, max: number, fallback: number): number
  int(name: string, min: number, max: number): number | undefined
  int(name: string, min: number, max: number, fallback?: number): number | undefined {
    const v = this.params.get(name)
    if (v === undefined) return fallback
    const n = /^[0-9]{1,10}$/.test(v) ? Number(v) : NaN
    if (!Number.isInteger(n) || n < min || n > max) {
      throw invalidRequest(`invalid-${kebab(name)}`, `${name} must be an integer from ${min} to ${max}`)
    }
    return n
  }
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())
}
