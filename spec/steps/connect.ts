import { z } from 'zod'
import { defineStep, checkClientRef } from '../step-definition.js'
import { connectPropertiesSchema } from '../client-schema.js'
import { packetSubsetSchema } from '../matcher-schema.js'
import { clientRefSchema, withinSchema } from './common.js'

const connectObject = z.strictObject({
  client: clientRefSchema,
  clean: z.boolean().optional().describe('Overrides the client\'s clean flag for this connection'),
  sessionExpiry: z.number().int().min(0).optional().describe('Overrides the Session Expiry Interval (seconds)'),
  keepalive: z.number().int().min(0).max(65535).optional(),
  properties: connectPropertiesSchema.optional(),
  expect: packetSubsetSchema.optional().describe('CONNACK subset to expect; default: success (reason code 0). The CONNACK is consumed'),
  closed: z.literal(true).optional().describe('Expect the server to close the connection without any CONNACK (an MQTT 3.1.1 refusal that has no return code)'),
  within: withinSchema,
}).refine((a) => !(a.closed && a.expect !== undefined), { message: 'give either expect (a CONNACK) or closed: true (no CONNACK), not both', path: ['closed'] })

/** `connect: NAME` or `connect: { client, expect, ... }`: opens the transport, sends CONNECT, waits for CONNACK. */
export const connectStep = defineStep({
  kind: 'connect',
  description: 'Open the client\'s connection: CONNECT, then wait for the CONNACK and match it (default: success)',
  schema: z.union([clientRefSchema, connectObject]).transform((v) => (typeof v === 'string' ? { client: v } : v) as z.output<typeof connectObject>),
  check: (args, ctx) => checkClientRef(args.client, ctx),
  asserts: (a) => a.expect !== undefined || a.closed === true,
})
