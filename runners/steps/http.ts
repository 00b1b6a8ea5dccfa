import { httpStep } from '../../spec/index.js'
import { defineStepRunner } from '../step-registry.js'
import { ExpectationFailure } from '../errors.js'
import { checkHttpResponse, plainResponse } from '../matching/check-http-response.js'
import type { HttpResult } from '../adapters/http-client.js'
import { matchValue } from '../matching/match-value.js'

/** Default deadline for HTTP responses (a direct message may wait up to 15 s for a PUBACK). */
export const DEFAULT_HTTP_TIMEOUT_MS = 20_000

/**
 * Sends the request; checks the response now, or leaves it for expect-http
 * (await: false). With `count` the copies go out at once and each response is
 * checked, then `responses` against the list.
 */
export const http = defineStepRunner(httpStep, async (args, ctx) => {
  const timeoutMs = ctx.budget(args.within, DEFAULT_HTTP_TIMEOUT_MS)
  const requestOf = (i: number) => {
    const req = ctx.interpolate({ method: args.method, path: args.path, query: args.query, headers: args.headers, body: args.body, sign: args.sign }, { i })
    return args.bodySize !== undefined ? { ...req, body: 'x'.repeat(args.bodySize) } : req
  }
  if (args.count === 1) {
    const req = requestOf(0)
    const pending = ctx.http().request(req, timeoutMs, ctx.signal)
    pending.catch(() => {})
    if (args.as !== undefined) ctx.pendingHttp.set(args.as, pending)
    if (!args.await) return
    const res = await pending
    checkHttpResponse(args.expect ? ctx.interpolate(args.expect) : undefined, res, `${req.method} ${req.path}`)
    if (args.responses !== undefined) checkResponses(ctx.interpolate(args.responses), [res])
    return { latencyMs: res.latencyMs }
  }
  const reqs = Array.from({ length: args.count }, (_, i) => requestOf(i))
  const results = await Promise.all(reqs.map((req) => ctx.http().request(req, timeoutMs, ctx.signal)))
  const expected = args.expect ? ctx.interpolate(args.expect) : undefined
  results.forEach((res, i) => checkHttpResponse(expected, res, `${reqs[i]!.method} ${reqs[i]!.path} #${i}`))
  if (args.responses !== undefined) checkResponses(ctx.interpolate(args.responses), results)
  const sorted = results.map((r) => r.latencyMs).sort((a, b) => a - b)
  return { latencyMs: sorted[Math.floor(sorted.length / 2)]! }
})

/** Matches `responses:` against the list of responses as plain objects. */
function checkResponses(expected: unknown, results: readonly HttpResult[]): void {
  const list = results.map(plainResponse)
  const miss = matchValue(expected, list, 'responses')
  if (!miss) return
  const statuses = new Map<number, number>()
  for (const r of list) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1)
  const summary = [...statuses].map(([s, n]) => `${n} × ${s}`).join(', ')
  throw new ExpectationFailure(`${list.length} responses (${summary}): ${miss}`, expected, list.map((r) => ({ status: r.status, body: r.body })))
}
