import { z } from 'zod'
import { durationSchema } from './duration.js'

/**
 * A protocol version as scenarios write it: `3.1.1` or `5` (a number or a
 * string, since YAML reads `5` as a number). Normalised to the CONNECT
 * protocol level: 4 (3.1.1) or 5.
 */
export const protocolVersionSchema = z
  .union([z.literal('3.1.1'), z.literal('5'), z.literal(5), z.literal(4), z.literal('4')], { error: 'expected a protocol version: 3.1.1 or 5' })
  .transform((v): 4 | 5 => (v === 5 || v === '5' ? 5 : 4))
  .describe('MQTT protocol version: 3.1.1 or 5')

/** MQTT 5 user properties: name to value, or to a list of values for repeated names. */
export const userPropertiesSchema = z.record(z.string(), z.union([z.string(), z.array(z.string())]))

/** MQTT 5 PUBLISH / Will properties, named as in mqtt-packet. */
export const publishPropertiesSchema = z.strictObject({
  payloadFormatIndicator: z.boolean().optional(),
  messageExpiryInterval: z.number().int().min(0).optional(),
  topicAlias: z.number().int().min(0).max(65535).optional(),
  responseTopic: z.string().optional(),
  correlationData: z.string().optional(),
  userProperties: userPropertiesSchema.optional(),
  subscriptionIdentifier: z.number().int().min(0).optional(),
  contentType: z.string().optional(),
  willDelayInterval: z.number().int().min(0).optional(),
})

/** MQTT 5 CONNECT properties, named as in mqtt-packet. */
export const connectPropertiesSchema = z.strictObject({
  sessionExpiryInterval: z.number().int().min(0).optional(),
  receiveMaximum: z.number().int().min(1).max(65535).optional(),
  maximumPacketSize: z.number().int().min(1).optional(),
  topicAliasMaximum: z.number().int().min(0).max(65535).optional(),
  requestResponseInformation: z.boolean().optional(),
  requestProblemInformation: z.boolean().optional(),
  userProperties: userPropertiesSchema.optional(),
  authenticationMethod: z.string().optional(),
})

export const qosSchema = z.union([z.literal(0), z.literal(1), z.literal(2)], { error: 'expected a QoS: 0, 1 or 2' })
export type QoS = z.output<typeof qosSchema>

export const willSchema = z.strictObject({
  topic: z.string(),
  payload: z.string().default(''),
  qos: qosSchema.default(0),
  retain: z.boolean().default(false),
  properties: publishPropertiesSchema.optional(),
})
/** A client's Will as the CONNECT sends it (defaults applied). */
export type WillDecl = z.output<typeof willSchema>

/** How a client acknowledges QoS 1 messages it receives. */
export const ackModeSchema = z
  .union([z.literal('auto'), z.literal('never'), z.strictObject({ delay: durationSchema })])
  .describe('PUBACK for received QoS 1 messages: auto (default), never, or { delay: 2s }')
export type AckMode = z.output<typeof ackModeSchema>

/**
 * A client a scenario declares under `clients:`. Steps refer to it by name.
 * `kind: raw` gives a client that sends exactly what it is told (packets a
 * library refuses to send); `mqtt` (default) is MQTT.js.
 */
export const clientSchema = z.strictObject({
  kind: z.enum(['mqtt', 'raw']).default('mqtt'),
  version: protocolVersionSchema.default(5),
  /** Default: a client id unique to the run and scenario; may use `${clients.OTHER.id}`. */
  clientId: z.string().optional().describe('Client id; default unique per run. `${clients.other.id}` shares another client\'s id'),
  clean: z.boolean().default(true).describe('Clean Session (3.1.1) / Clean Start (5)'),
  /** MQTT 5 Session Expiry Interval in seconds, as on the wire. */
  sessionExpiry: z.number().int().min(0).optional().describe('MQTT 5 Session Expiry Interval in seconds'),
  /** Keep Alive in seconds, as on the wire. */
  keepalive: z.number().int().min(0).max(65535).default(60).describe('Keep Alive in seconds'),
  username: z.string().optional(),
  password: z.string().optional(),
  will: willSchema.optional(),
  properties: connectPropertiesSchema.optional(),
  transport: z.enum(['tcp', 'tls', 'ws']).default('tcp'),
  ack: ackModeSchema.default('auto'),
})

export type ClientDecl = z.output<typeof clientSchema>
