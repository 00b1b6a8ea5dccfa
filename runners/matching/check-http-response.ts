import type { HttpExpectation } from '../../spec/index.js'
import { ExpectationFailure } from '../errors.js'
import type { HttpResult } from '../adapters/http-client.js'
import { matchValue } from './match-value.js'

/** A response as expectations see it and failures show it: latency rounded to the ms, header names in lower case. */
export interface PlainResponse {
  status: number
  headers: Record<string, string>
  body: unknown
  latencyMs: number
}

/** The one plain view of a response, for matching and for failure messages. */
export function plainResponse(res: HttpResult): PlainResponse {
  return { status: res.status, headers: res.headers, body: res.body, latencyMs: Math.round(res.latencyMs) }
}

/** The first way `res` misses `expected`, or null. */
export function httpMismatch(expected: HttpExpectation | undefined, res: HttpResult): string | null {
  if (!expected) return null
  const view = plainResponse(res)
  if (expected.status !== undefined) {
    const m = matchValue(expected.status, view.status, 'status')
    if (m) return m
  }
  for (const [name, value] of Object.entries(expected.headers ?? {})) {
    const m = matchValue(value, view.headers[name.toLowerCase()], `headers.${name.toLowerCase()}`)
    if (m) return m
  }
  if (expected.body !== undefined) {
    const m = matchValue(expected.body, view.body, 'body')
    if (m) return m
  }
  if (expected.latencyMs !== undefined) {
    const m = matchValue(expected.latencyMs, view.latencyMs, 'latencyMs')
    if (m) return m
  }
  return null
}

/** Throws an ExpectationFailure (failed) when the response misses the expectation. */
export function checkHttpResponse(expected: HttpExpectation | undefined, res: HttpResult, what: string): void {
  const m = httpMismatch(expected, res)
  if (m) throw new ExpectationFailure(`${what}: ${m}`, expected, plainResponse(res))
}
