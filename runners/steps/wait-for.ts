import { waitForStep } from '../../spec/index.js'
import { defineStepRunner } from '../step-registry.js'
import { ExpectationFailure } from '../errors.js'
import { httpMismatch } from '../matching/check-http-response.js'
import { sleep } from '../deadline.js'

/** Polls an HTTP expectation every `every`, or waits for a client's state, until the deadline. */
export const waitFor = defineStepRunner(waitForStep, async (args, ctx) => {
  const timeoutMs = ctx.budget(args.within, args.within)
  const started = ctx.now()
  if (args.client && args.state) {
    const adapter = ctx.client(args.client)
    const want = args.state
    const ok = await adapter.inbox.waitFor(() => ((want === 'closed' ? adapter.inbox.closed !== null : adapter.isConnected()) ? true : undefined), timeoutMs, ctx.signal)
    if (!ok) throw new ExpectationFailure(`${args.client} was not ${want} within ${timeoutMs} ms`)
    return { latencyMs: ctx.now() - started }
  }
  const spec = args.http!
  // The last answer that missed explains a timeout better than an attempt the deadline cut short.
  let lastAnswer: string | undefined
  let lastError = 'no attempt finished'
  for (;;) {
    const left = timeoutMs - (ctx.now() - started)
    if (left <= 0) throw new ExpectationFailure(`condition not met within ${timeoutMs} ms; last ${lastAnswer ? 'answer' : 'attempt'}: ${lastAnswer ?? lastError}`, spec.expect)
    const req = ctx.interpolate({ method: spec.method, path: spec.path, query: spec.query, headers: spec.headers, body: spec.body, sign: spec.sign })
    try {
      const res = await ctx.http().request(req, left, ctx.signal)
      const miss = httpMismatch(ctx.interpolate(spec.expect), res)
      if (!miss) return { latencyMs: ctx.now() - started }
      lastAnswer = miss
    } catch (err) {
      if (!(err instanceof ExpectationFailure)) throw err
      lastError = err.message
    }
    await sleep(Math.min(args.every, Math.max(0, timeoutMs - (ctx.now() - started))), ctx.signal)
  }
})
