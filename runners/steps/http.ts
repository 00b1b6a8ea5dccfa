import { httpStep } from '../../spec/index.js'
import { defineStepRunner } from '../step-registry.js'
import { checkHttpResponse } from '../matching/check-http-response.js'

/** Default deadline for HTTP responses (a direct message may wait up to 15 s for a PUBACK). */
export const DEFAULT_HTTP_TIMEOUT_MS = 20_000

/** Sends the request; checks the response now, or leaves it for expect-http (await: false). */
export const http = defineStepRunner(httpStep, async (args, ctx) => {
  const req = ctx.interpolate({ method: args.method, path: args.path, query: args.query, headers: args.headers, body: args.body })
  const pending = ctx.http().request(req, ctx.budget(args.within, DEFAULT_HTTP_TIMEOUT_MS), ctx.signal)
  pending.catch(() => {})
  if (args.as !== undefined) ctx.pendingHttp.set(args.as, pending)
  if (!args.await) return
  const res = await pending
  checkHttpResponse(args.expect ? ctx.interpolate(args.expect) : undefined, res, `${req.method} ${req.path}`)
  return { latencyMs: res.latencyMs }
})
