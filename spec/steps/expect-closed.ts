import { z } from 'zod'
import { defineStep, checkClientRef } from '../step-definition.js'
import { packetSubsetSchema } from '../matcher-schema.js'
import { clientRefSchema, withinSchema } from './common.js'

/**
 * `expect-closed: { client, within, disconnect }`: the server closes the
 * connection. `disconnect: { reasonCode: 0x94, ... }` requires a DISCONNECT
 * matching that subset before the close; `disconnect: false` requires a close
 * without any DISCONNECT; absent accepts either.
 */
export const expectClosedStep = defineStep({
  kind: 'expect-closed',
  description: 'Wait for the server to close the connection, with a matching DISCONNECT (disconnect: {...}), without one (disconnect: false), or either',
  schema: z.strictObject({
    client: clientRefSchema,
    within: withinSchema,
    disconnect: z.union([z.literal(false), packetSubsetSchema]).optional(),
  }),
  check: (args, ctx) => checkClientRef(args.client, ctx),
  asserts: () => true,
})
