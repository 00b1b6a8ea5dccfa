import { sendStep } from '../../spec/index.js'
import { defineStepRunner } from '../step-registry.js'

/** Raw clients: a packet object or hex bytes, exactly as written. */
export const send = defineStepRunner(sendStep, async (args, ctx) => {
  const adapter = ctx.client(args.client)
  if (args.bytes !== undefined) return adapter.sendBytes(Buffer.from(args.bytes.replace(/\s+/g, ''), 'hex'))
  adapter.sendPacket(ctx.interpolate(args.packet!) as Record<string, unknown>)
})
