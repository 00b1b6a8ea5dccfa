import { sendStep } from '../../spec/index.js'
import { defineStepRunner } from '../step-registry.js'

/**
 * Raw clients: a packet object or hex bytes, exactly as written; with `open`, first on a new
 * connection; over WebSocket, in the frames `frames` / `frameType` choose [MQTT-6.0.0-1] [MQTT-6.0.0-2].
 */
export const send = defineStepRunner(sendStep, async (args, ctx) => {
  const adapter = ctx.client(args.client)
  if (args.open) {
    const decl = ctx.clientDecl(args.client)
    await adapter.open(ctx.endpointFor(decl), decl.version, ctx.budget(undefined))
  }
  const frames = args.frames !== undefined || args.frameType !== undefined ? { split: args.frames, type: args.frameType } : undefined
  if (args.bytes !== undefined) return adapter.sendBytes(Buffer.from(args.bytes.replace(/\s+/g, ''), 'hex'), frames)
  adapter.sendPacket(ctx.interpolate(args.packet!) as Record<string, unknown>, frames)
})
