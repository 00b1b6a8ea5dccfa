import { subscribeStep, type Subscription } from '../../spec/index.js'
import { defineStepRunner } from '../step-registry.js'
import { ExpectationFailure } from '../errors.js'
import { matchValue } from '../matching/match-value.js'

/** Every code below 0x80 is a grant. */
export const ALL_GRANTED = { reasonCodes: { every: { lt: 0x80 } } }

/** One SUBSCRIBE with every filter; match the SUBACK (default: all granted). */
export const subscribe = defineStepRunner(subscribeStep, async (args, ctx) => {
  const adapter = ctx.client(args.client)
  const list = args.topics ?? [args.topic!]
  const subs: Subscription[] = ctx.interpolate(list).map((s) => (typeof s === 'string' ? { topic: s, qos: args.qos } : { qos: args.qos, ...s }))
  const started = ctx.now()
  const suback = await adapter.subscribe(subs, args.properties ? ctx.interpolate(args.properties) : undefined, ctx.budget(args.within), ctx.signal)
  const latencyMs = ctx.now() - started
  const expected = args.expect !== undefined ? ctx.interpolate(args.expect) : ALL_GRANTED
  const miss = matchValue(expected, suback)
  if (miss) throw new ExpectationFailure(`SUBACK for ${args.client} did not match: ${miss}`, expected, suback)
  return { latencyMs }
})
