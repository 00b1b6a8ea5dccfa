import { z } from 'zod'
import { defineStep, checkClientRef } from '../step-definition.js'
import { publishPropertiesSchema } from '../client-schema.js'
import { clientRefSchema, withinSchema } from './common.js'

const disconnectObject = z.strictObject({
  client: clientRefSchema,
  mode: z.enum(['graceful', 'drop']).default('graceful').describe('graceful sends DISCONNECT; drop closes the socket without one (the Will is published)'),
  reasonCode: z.number().int().min(0).max(255).optional(),
  properties: z.strictObject({
    sessionExpiryInterval: z.number().int().min(0).optional(),
    reasonString: z.string().optional(),
    userProperties: publishPropertiesSchema.shape.userProperties,
  }).optional(),
  within: withinSchema,
})

/** `disconnect: NAME` or `disconnect: { client, mode: graceful|drop, reasonCode }`. */
export const disconnectStep = defineStep({
  kind: 'disconnect',
  description: 'Close the client\'s connection: graceful (DISCONNECT) or drop (socket closed, no DISCONNECT)',
  schema: z.union([clientRefSchema, disconnectObject]).transform((v) => (typeof v === 'string' ? disconnectObject.parse({ client: v }) : v)),
  check: (args, ctx) => checkClientRef(args.client, ctx),
})
