import { expectNothingStep, patternOf } from '../../spec/index.js'
import { defineStepRunner } from '../step-registry.js'
import { ExpectationFailure } from '../errors.js'
import { mismatch } from '../matching/select-packets.js'

/** Watches the whole window; any unconsumed packet matching the pattern fails the step. */
export const expectNothing = defineStepRunner(expectNothingStep, async (args, ctx) => {
  const inbox = ctx.client(args.client).inbox
  const pattern = ctx.interpolate(patternOf(args as Record<string, unknown>)) as Record<string, unknown>
  const window = ctx.budget(args.within, args.within)
  const hit = await inbox.waitFor(() => inbox.entries.find((e) => !e.consumed && mismatch(pattern, e.packet) === null), window, ctx.signal)
  if (hit) {
    hit.consumed = true
    throw new ExpectationFailure(`${args.client} received a ${hit.packet.packet.toUpperCase()} it should not have (at ${Math.round(hit.t)} ms)`, { nothing: pattern, within: args.within }, hit.packet)
  }
})
