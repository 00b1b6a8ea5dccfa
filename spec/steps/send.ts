import { z } from 'zod'
import { defineStep, checkClientRef } from '../step-definition.js'
import { clientRefSchema } from './common.js'

/**
 * `send: { client, packet: {cmd: publish, ...} }` or `send: { client, bytes: "30 0a ..." }`.
 * Raw clients only: what a well-behaved library refuses to send. `open: true`
 * opens a new connection first and sends no CONNECT of its own, so the bytes can
 * be a CONNECT no library would build (then `expect` / `expect-closed` judge the answer).
 */
export const sendStep = defineStep({
  kind: 'send',
  description: 'Raw clients only: send a packet object (mqtt-packet shape, e.g. { cmd: publish, topic, qos, properties: { topicAlias: 9 } }) or hex bytes; open: true sends them first on a new connection (a hand-made CONNECT)',
  schema: z.strictObject({
    client: clientRefSchema,
    packet: z.looseObject({ cmd: z.enum(['connect', 'publish', 'puback', 'pubrec', 'pubrel', 'pubcomp', 'subscribe', 'unsubscribe', 'pingreq', 'disconnect', 'auth']) }).optional(),
    bytes: z.string().regex(/^(?:[0-9a-fA-F]{2}\s*)+$/, { error: 'expected hex bytes, e.g. "e0 00"' }).optional(),
    open: z.literal(true).optional().describe('Open a new connection first, without the client\'s CONNECT: the packet or bytes are the first thing sent'),
  }).refine((a) => (a.packet === undefined) !== (a.bytes === undefined), { message: 'give exactly one of packet or bytes' }),
  check: (args, ctx) => {
    const missing = checkClientRef(args.client, ctx)
    if (missing.length) return missing
    return ctx.clients[args.client]!.kind === 'raw' ? [] : [{ path: ['client'], message: `send needs a raw client; declare "${args.client}" with kind: raw` }]
  },
})
