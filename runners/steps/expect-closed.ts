import { expectClosedStep } from '../../spec/index.js'
import { defineStepRunner } from '../step-registry.js'
import { ExpectationFailure, StepError } from '../errors.js'
import { matchValue } from '../matching/match-value.js'

/** The server closes the connection within the deadline, with or without a matching DISCONNECT. */
export const expectClosed = defineStepRunner(expectClosedStep, async (args, ctx) => {
  const inbox = ctx.client(args.client).inbox
  const timeoutMs = ctx.budget(args.within)
  const started = ctx.now()
  const closed = await inbox.waitFor(() => inbox.closed ?? undefined, timeoutMs, ctx.signal)
  if (!closed) throw new ExpectationFailure(`${args.client}'s connection was still open after ${timeoutMs} ms`, 'connection closed', 'open')
  if (closed.byClient) throw new StepError(`${args.client}'s connection was closed by an earlier disconnect step, not by the server`)
  const d = closed.disconnect
  if (args.disconnect === false && d) {
    throw new ExpectationFailure(`${args.client}'s connection closed after a DISCONNECT (reason 0x${Number(d.reasonCode ?? 0).toString(16)}); expected a close without one`, 'close without DISCONNECT', d)
  }
  if (args.disconnect !== undefined && args.disconnect !== false) {
    const expected = ctx.interpolate(args.disconnect)
    if (!d) throw new ExpectationFailure(`${args.client}'s connection closed without a DISCONNECT${closed.error ? ` (${closed.error})` : ''}`, expected, 'no DISCONNECT')
    const miss = matchValue(expected, d)
    if (miss) throw new ExpectationFailure(`DISCONNECT to ${args.client} did not match: ${miss}`, expected, d)
  }
  return { latencyMs: Math.max(0, closed.t - started) }
})
