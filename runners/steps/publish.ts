import { publishStep } from '../../spec/index.js'
import { defineStepRunner } from '../step-registry.js'
import { ExpectationFailure } from '../errors.js'
import { matchValue } from '../matching/match-value.js'
import { sleep } from '../deadline.js'

/** A PUBACK without a reason code, or one below 0x80 (0x10 "no matching subscribers" included). */
const ACCEPTED = { reasonCode: { oneOf: [{ absent: true }, { lt: 0x80 }] } }

/**
 * PUBLISH `count` times (`${i}` = 0..count-1). QoS 1 waits for each PUBACK
 * and matches it; the latency reported is the median PUBLISH→PUBACK.
 */
export const publish = defineStepRunner(publishStep, async (args, ctx) => {
  const adapter = ctx.client(args.client)
  const latencies: number[] = []
  const expected = args.expect !== undefined ? ctx.interpolate(args.expect) : ACCEPTED
  for (let i = 0; i < args.count; i++) {
    if (i > 0 && args.interval) await sleep(args.interval, ctx.signal)
    const vars = { i }
    const payload = args.payloadSize !== undefined ? Buffer.alloc(args.payloadSize, 0x78) : Buffer.from(ctx.interpolate(args.payload, vars))
    const started = ctx.now()
    const ack = await adapter.publish({
      topic: ctx.interpolate(args.topic, vars),
      payload,
      qos: args.qos,
      retain: args.retain,
      ...(args.dup !== undefined ? { dup: args.dup } : {}),
      ...(args.properties ? { properties: ctx.interpolate(args.properties, vars) } : {}),
    }, ctx.budget(args.within), ctx.signal)
    if (!ack) continue
    latencies.push(ctx.now() - started)
    const miss = matchValue(expected, ack)
    if (miss) throw new ExpectationFailure(`${String(ack.packet).toUpperCase()} for ${args.client}'s PUBLISH${args.count > 1 ? ` #${i}` : ''} did not match: ${miss}`, expected, ack)
  }
  if (latencies.length === 0) return
  const sorted = latencies.sort((a, b) => a - b)
  return { latencyMs: sorted[Math.floor(sorted.length / 2)]! }
})
