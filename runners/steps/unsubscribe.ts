import { unsubscribeStep } from '../../spec/index.js'
import { defineStepRunner } from '../step-registry.js'
import { ExpectationFailure } from '../errors.js'
import { matchValue } from '../matching/match-value.js'
import { ALL_GRANTED } from './subscribe.js'

/** One UNSUBSCRIBE; match the UNSUBACK (default on MQTT 5: every code a success; 3.1.1 has no codes). */
export const unsubscribe = defineStepRunner(unsubscribeStep, async (args, ctx) => {
  const adapter = ctx.client(args.client)
  const topics = ctx.interpolate(args.topics ?? [args.topic!])
  const started = ctx.now()
  const unsuback = await adapter.unsubscribe(topics, args.properties ? ctx.interpolate(args.properties) : undefined, ctx.budget(args.within), ctx.signal)
  const latencyMs = ctx.now() - started
  const expected = args.expect !== undefined ? ctx.interpolate(args.expect) : ctx.clientDecl(args.client).version === 5 ? ALL_GRANTED : {}
  const miss = matchValue(expected, unsuback)
  if (miss) throw new ExpectationFailure(`UNSUBACK for ${args.client} did not match: ${miss}`, expected, unsuback)
  return { latencyMs }
})
