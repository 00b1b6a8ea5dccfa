import { z } from 'zod'
import { defineStep, checkClientRef } from '../step-definition.js'
import { qosSchema, userPropertiesSchema, type QoS } from '../client-schema.js'
import { packetSubsetSchema } from '../matcher-schema.js'
import { clientRefSchema, withinSchema } from './common.js'

/** One filter with its options, `{ topic, qos, nl, rap, rh }`; qos absent = the step's. */
const subscriptionObjectSchema = z.strictObject({
  topic: z.string(),
  qos: qosSchema.optional(),
  nl: z.boolean().optional().describe('No Local (MQTT 5)'),
  rap: z.boolean().optional().describe('Retain As Published (MQTT 5)'),
  rh: z.union([z.literal(0), z.literal(1), z.literal(2)]).optional().describe('Retain Handling (MQTT 5)'),
})
/** A filter as the SUBSCRIBE sends it: the step's QoS filled in. */
export type Subscription = z.output<typeof subscriptionObjectSchema> & { qos: QoS }

const subscriptionSchema = z.union([z.string(), subscriptionObjectSchema])

/** `subscribe: { client, topics: [...], qos, expect }`: one SUBSCRIBE with every filter, then its SUBACK. */
export const subscribeStep = defineStep({
  kind: 'subscribe',
  description: 'Send one SUBSCRIBE with the filters and wait for the SUBACK (default expectation: every filter granted)',
  schema: z.strictObject({
    client: clientRefSchema,
    topic: z.string().optional().describe('One filter (or use topics)'),
    topics: z.array(subscriptionSchema).min(1).optional().describe('Filters, each a string or { topic, qos, nl, rap, rh }'),
    qos: qosSchema.default(0).describe('QoS for filters that do not give their own'),
    properties: z.strictObject({ subscriptionIdentifier: z.number().int().min(1).optional(), userProperties: userPropertiesSchema.optional() }).optional(),
    expect: packetSubsetSchema.optional().describe('SUBACK subset, e.g. { reasonCodes: { every: 0x97 } }; default: every code below 0x80'),
    within: withinSchema,
  }).refine((a) => (a.topic === undefined) !== (a.topics === undefined), { message: 'give exactly one of topic or topics' }),
  check: (args, ctx) => checkClientRef(args.client, ctx),
  asserts: (a) => a.expect !== undefined,
})
