import { z } from 'zod'
import { defineStep, checkClientRef } from '../step-definition.js'
import { publishPropertiesSchema, qosSchema } from '../client-schema.js'
import { durationSchema } from '../duration.js'
import { packetSubsetSchema } from '../matcher-schema.js'
import { clientRefSchema, withinSchema } from './common.js'

/**
 * `publish: { client, topic, payload, qos, retain, properties, count }`.
 * With `count: n` the message is sent n times (`${i}` is 0..n-1 in topic and
 * payload); QoS 1 waits for every PUBACK and records the latency.
 */
export const publishStep = defineStep({
  kind: 'publish',
  description: 'Send PUBLISH (count times); for QoS 1 wait for the PUBACK(s) and record PUBLISH-to-PUBACK latency',
  schema: z.strictObject({
    client: clientRefSchema,
    topic: z.string(),
    payload: z.string().default('').describe('UTF-8 payload; `${i}` is the repetition index'),
    payloadSize: z.number().int().min(0).optional().describe('Send this many bytes instead of payload (quota tests)'),
    qos: qosSchema.default(0),
    retain: z.boolean().default(false),
    dup: z.boolean().optional(),
    properties: publishPropertiesSchema.optional(),
    count: z.number().int().min(1).max(100_000).default(1),
    interval: durationSchema.optional().describe('Pause between repetitions (e.g. to stay under a publish rate limit)'),
    expect: packetSubsetSchema.optional().describe('PUBACK subset (QoS 1); default: reason code below 0x80'),
    within: withinSchema,
  }),
  check: (args, ctx) => checkClientRef(args.client, ctx),
  asserts: (a) => a.expect !== undefined,
})
