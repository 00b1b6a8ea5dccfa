import { z } from 'zod'
import { defineStep, checkClientRef } from '../step-definition.js'
import { userPropertiesSchema } from '../client-schema.js'
import { packetSubsetSchema } from '../matcher-schema.js'
import { clientRefSchema, withinSchema } from './common.js'

/** `unsubscribe: { client, topics }`: one UNSUBSCRIBE, then its UNSUBACK. */
export const unsubscribeStep = defineStep({
  kind: 'unsubscribe',
  description: 'Send one UNSUBSCRIBE with the filters and wait for the UNSUBACK',
  schema: z.strictObject({
    client: clientRefSchema,
    topic: z.string().optional(),
    topics: z.array(z.string()).min(1).optional(),
    properties: z.strictObject({ userProperties: userPropertiesSchema.optional() }).optional(),
    expect: packetSubsetSchema.optional().describe('UNSUBACK subset'),
    within: withinSchema,
  }).refine((a) => (a.topic === undefined) !== (a.topics === undefined), { message: 'give exactly one of topic or topics' }),
  check: (args, ctx) => checkClientRef(args.client, ctx),
  asserts: (a) => a.expect !== undefined,
})
