import { expectHttpStep } from '../../spec/index.js'
import { defineStepRunner } from '../step-registry.js'
import { ExpectationFailure, StepError } from '../errors.js'
import { checkHttpResponse } from '../matching/check-http-response.js'
import { withDeadline } from '../deadline.js'
import { DEFAULT_HTTP_TIMEOUT_MS } from './http.js'

/** Waits (bounded) for the response of the http step named `as`, then checks it. */
export const expectHttp = defineStepRunner(expectHttpStep, async (args, ctx) => {
  const pending = ctx.pendingHttp.get(args.as)
  if (!pending) throw new StepError(`no http request named ${args.as} was sent`)
  const timeoutMs = ctx.budget(args.within, DEFAULT_HTTP_TIMEOUT_MS)
  const res = await withDeadline(pending, timeoutMs, () => new ExpectationFailure(`no response to http request ${args.as} within ${timeoutMs} ms`), ctx.signal)
  const { as: _as, within: _within, ...expected } = args
  checkHttpResponse(ctx.interpolate(expected), res, `response to ${args.as}`)
  return { latencyMs: res.latencyMs }
})
