import { expectStep, patternOf } from '../../spec/index.js'
import { defineStepRunner } from '../step-registry.js'
import { ExpectationFailure } from '../errors.js'
import { countSatisfied, explainMisses, selectPackets, show, type SelectMode } from '../matching/select-packets.js'
import { checkRate, describeRate } from '../matching/rate-check.js'
import { whyNothing } from '../adapters/await-packet.js'

/**
 * Waits until the pattern(s) match unconsumed packets on the client, then
 * consumes them. A `rate` limit is checked on the matched arrival times and
 * the times go into the result as a timeline.
 */
export const expect = defineStepRunner(expectStep, async (args, ctx) => {
  const adapter = ctx.client(args.client)
  const inbox = adapter.inbox
  const timeoutMs = ctx.budget(args.within)
  const started = ctx.now()
  let patterns: Record<string, unknown>[]
  let mode: SelectMode
  if (args.sequence) [patterns, mode] = [ctx.interpolate(args.sequence) as Record<string, unknown>[], 'ordered']
  else if (args.all) [patterns, mode] = [ctx.interpolate(args.all) as Record<string, unknown>[], 'unordered']
  else {
    const one = ctx.interpolate(patternOf(args as Record<string, unknown>)) as Record<string, unknown>
    patterns = Array.from({ length: args.count ?? 1 }, () => one)
    mode = 'ordered'
  }
  // Once the connection is gone nothing more can arrive: give the verdict now, not at the deadline.
  const picked = await inbox.waitFor(() => selectPackets(inbox.entries, patterns, mode) ?? (inbox.closed || inbox.protocolError ? null : undefined), timeoutMs, ctx.signal)
  if (!picked) {
    const got = countSatisfied(inbox.entries, patterns, mode)
    const first = patterns[got] ?? patterns[0]!
    const what = args.sequence ? `the sequence of ${patterns.length}` : args.all ? `all ${patterns.length} packets` : patterns.length > 1 ? `${patterns.length} packets matching ${show(first)}` : `a packet matching ${show(first)}`
    const misses = explainMisses(inbox.entries, first)
    const closed = inbox.closed || inbox.protocolError ? `; ${whyNothing(inbox, 'more packets', timeoutMs)}` : ''
    throw new ExpectationFailure(
      `${args.client} did not receive ${what}${closed ? '' : ` within ${timeoutMs} ms`} (${got} matched)${closed}${misses.length ? `; nearest: ${misses.join('; ')}` : ''}`,
      patterns.length === 1 ? first : patterns,
      inbox.pending().slice(-10).map((e) => e.packet),
    )
  }
  for (const e of picked) e.consumed = true
  const times = picked.map((e) => e.t)
  if (args.rate) {
    const limit = { max: args.rate.max, per: args.rate.per, tolerance: args.rate.tolerance }
    ctx.addTimeline({ name: `${args.client} arrivals (step ${ctx.stepIndex})`, client: args.client, points: times.map((t) => Math.round(t * 10) / 10), assertion: describeRate(limit) })
    const worst = checkRate(times, limit)
    if (worst) throw new ExpectationFailure(`${args.client} received ${worst.count} matching packets within ${limit.per} ms from t=${Math.round(worst.start)} ms; limit is ${describeRate(limit)}`, describeRate(limit), times.map((t) => Math.round(t)))
  }
  return { latencyMs: Math.max(0, Math.max(...times) - started) }
})
