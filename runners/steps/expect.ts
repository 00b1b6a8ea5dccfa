import { expectStep, patternOf, type VarValue } from '../../spec/index.js'
import { defineStepRunner } from '../step-registry.js'
import { ExpectationFailure } from '../errors.js'
import { countSatisfied, explainMisses, selectPackets, show, type SelectMode } from '../matching/select-packets.js'
import { describeRate, rateCheck } from '../matching/rate-check.js'
import { whyNothing } from '../adapters/await-packet.js'
import { waitForAny, type Inbox, type InboxEntry } from '../adapters/inbox.js'

/**
 * Waits until the pattern(s) match unconsumed packets on the client, then
 * consumes them. A `rate` limit is checked on the matched arrival times and
 * the times go into the result as a timeline. With a list of clients their
 * packets are matched as one stream in arrival order (each packet still
 * belongs to, and is consumed from, its own client). `capture` stores values
 * of the first matched packet as `${vars.NAME}`.
 */
export const expect = defineStepRunner(expectStep, async (args, ctx) => {
  const names = Array.isArray(args.client) ? args.client : [args.client]
  const who = names.join('+')
  const inboxes = names.map((n) => ctx.client(n).inbox)
  const entries = (): InboxEntry[] => (inboxes.length === 1 ? inboxes[0]!.entries : inboxes.flatMap((i) => i.entries).sort((a, b) => a.t - b.t))
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
  // Once every connection is gone nothing more can arrive: give the verdict now, not at the deadline.
  const ended = (i: Inbox) => i.closed !== null || i.protocolError !== null
  const picked = await waitForAny(inboxes, () => ctx.now(), () => selectPackets(entries(), patterns, mode) ?? (inboxes.every(ended) ? null : undefined), timeoutMs, ctx.signal)
  if (!picked) {
    const all = entries()
    const got = countSatisfied(all, patterns, mode)
    const first = patterns[got] ?? patterns[0]!
    const what = args.sequence ? `the sequence of ${patterns.length}` : args.all ? `all ${patterns.length} packets` : patterns.length > 1 ? `${patterns.length} packets matching ${show(first)}` : `a packet matching ${show(first)}`
    const misses = explainMisses(all, first)
    const closed = inboxes.every(ended) ? `; ${whyNothing(inboxes[0]!, 'more packets', timeoutMs)}` : ''
    throw new ExpectationFailure(
      `${who} did not receive ${what}${closed ? '' : ` within ${timeoutMs} ms`} (${got} matched)${closed}${misses.length ? `; nearest: ${misses.join('; ')}` : ''}`,
      patterns.length === 1 ? first : patterns,
      all.filter((e) => !e.consumed).slice(-10).map((e) => e.packet),
    )
  }
  if (!args.keep) for (const e of picked) e.consumed = true
  if (args.capture) {
    for (const [name, path] of Object.entries(args.capture)) ctx.setVar(name, capturedValue(picked[0]!.packet, path))
  }
  const times = picked.map((e) => e.t)
  if (args.rate) {
    const limit = args.rate
    const check = rateCheck(times, limit)
    ctx.addTimeline({ name: `${who} arrivals (step ${ctx.stepIndex})`, client: who, points: times.map((t) => Math.round(t * 10) / 10), assertion: describeRate(limit), rate: check })
    if (!check.passed) throw new ExpectationFailure(`${who} received ${check.peak.count} matching packets within ${limit.per} ms from t=${Math.round(check.peak.start)} ms; limit is ${describeRate(limit)}`, describeRate(limit), times.map((t) => Math.round(t)))
  }
  return { latencyMs: Math.max(0, Math.max(...times) - started) }
})

/** The value at a dotted path of a packet; text holding JSON is parsed when the path goes into it. */
export function capturedValue(packet: Record<string, unknown>, path: string): VarValue {
  let v: unknown = packet
  for (const key of path.split('.')) {
    if (typeof v === 'string') {
      try { v = JSON.parse(v) } catch { v = undefined }
    }
    v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined
  }
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v
  throw new ExpectationFailure(`capture: ${path} is ${show(v)} in the matched packet, not a text, number or boolean`, { [path]: 'a text, number or boolean' }, packet)
}
