import { z } from 'zod'
import { defineStep, checkClientRef } from '../step-definition.js'
import { clientRefSchema } from './common.js'

/**
 * `expect-handshake: { client, subprotocol: mqtt }`: the WebSocket opening
 * handshake of the client's current connection returned this subprotocol in
 * Sec-WebSocket-Protocol [MQTT-6.0.0-4]; `subprotocol: false` expects none.
 * Raw WebSocket clients only: they accept any answer and record it, so this
 * step (not the client library) judges it.
 */
export const expectHandshakeStep = defineStep({
  kind: 'expect-handshake',
  description: 'Raw WebSocket clients (transport: ws): the opening handshake of the current connection returned this subprotocol (Sec-WebSocket-Protocol), or none (subprotocol: false)',
  schema: z.strictObject({
    client: clientRefSchema,
    subprotocol: z.union([z.string().min(1), z.literal(false)]).describe('The subprotocol the server selected, e.g. mqtt; false: none'),
  }),
  check: (args, ctx) => {
    const missing = checkClientRef(args.client, ctx)
    if (missing.length) return missing
    const decl = ctx.clients[args.client]!
    if (decl.kind !== 'raw' || decl.transport !== 'ws') return [{ path: ['client'], message: `expect-handshake needs a raw WebSocket client; declare "${args.client}" with kind: raw, transport: ws` }]
    return []
  },
  asserts: () => true,
})
