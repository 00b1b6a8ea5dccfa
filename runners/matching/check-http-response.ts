import type { HttpExpectation } from '../../spec/index.js'
import { ExpectationFailure } from '../errors.js'
import type { HttpResult } from '../adapters/http-client.js'
import { matchValue } from './match-value.js'

/** The first way `res` misses `expected`, or null. */
export function httpMismatch(expected: HttpExpectation | undefined, res: HttpResult): string | null {
  if (!expected) return null
  if (expected.status !== undefined) {
    const m = matchValue(expected.status, res.status, 'status')
    if (m) return m
  }
  for (const [name, value] of Object.entries(expected.headers ?? {})) {
    const m = matchValue(value, res.headers[name.toLowerCase()], `headers.${name.toLowerCase()}`)
    if (m) return m
  }
  if (expected.body !== undefined) {
    const m = matchValue(expected.body, res.body, 'body')
    if (m) return m
  }
  if (expected.latencyMs !== undefined) {
    const m = matchValue(expected.latencyMs, Math.round(res.latencyMs), 'latencyMs')
    if (m) return m
  }
  return null
}

/** Throws an ExpectationFailure (failed) when the response misses the expectation. */
export function checkHttpResponse(expected: HttpExpectation | undefined, res: HttpResult, what: string): void {
  const m = httpMismatch(expected, res)
  if (m) throw new ExpectationFailure(`${what}: ${m}`, expected, { status: res.status, headers: res.headers, body: res.body, latencyMs: Math.round(res.latencyMs) })
}
