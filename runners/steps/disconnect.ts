import { disconnectStep } from '../../spec/index.js'
import { defineStepRunner } from '../step-registry.js'

/** Graceful DISCONNECT (waits for the close) or a drop (socket closed, no DISCONNECT: the Will fires). */
export const disconnect = defineStepRunner(disconnectStep, async (args, ctx) => {
  const adapter = ctx.client(args.client)
  const timeoutMs = ctx.budget(args.within)
  if (args.mode === 'drop') {
    adapter.drop()
    await adapter.inbox.waitFor(() => (adapter.inbox.closed ? true : undefined), Math.min(timeoutMs, 2000), ctx.signal)
    return
  }
  await adapter.disconnect({ ...(args.reasonCode !== undefined ? { reasonCode: args.reasonCode } : {}), ...(args.properties ? { properties: ctx.interpolate(args.properties) } : {}) }, timeoutMs)
})
