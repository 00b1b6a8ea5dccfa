import { z } from 'zod'
import { durationSchema } from './duration.js'
import { rateSchema } from './load-rate.js'

/** One stage of the arrival plan. A ramp goes linearly from the previous stage's rate (or `from`) to `rate`. */
export const loadStageSchema = z.strictObject({
  stage: z.enum(['ramp', 'steady', 'spike', 'soak']).describe('ramp: linear change; steady/soak: constant; spike: jump to rate at once'),
  duration: durationSchema,
  rate: rateSchema.describe('Target rate (per second) for the whole run, all shards and workers together'),
  /** Start rate of a ramp; default: the previous stage's rate, or 0 for the first stage. */
  from: rateSchema.optional(),
})
export type LoadStage = z.output<typeof loadStageSchema>

const pubackSchema = z.union([
  z.enum(['immediate', 'never']),
  z.strictObject({ delay: durationSchema }),
], { error: 'puback is immediate, never, or { delay: 200ms }' })

/** What a share of the devices does with what it receives. */
export const deviceBehaviourSchema = z.strictObject({
  share: z.number().min(0).max(1).describe('Fraction of the devices (0..1)'),
  puback: pubackSchema.default('immediate'),
  /** Disconnect (DISCONNECT, then close) this long after the CONNACK. */
  disconnectAfter: durationSchema.optional(),
  /** Reconnect this long after any disconnect; without it a disconnected device stays offline. */
  reconnect: z.strictObject({ after: durationSchema }).optional(),
})
export type DeviceBehaviour = z.output<typeof deviceBehaviourSchema>

/** mTLS identities: a directory of cert/key pairs, or a CA to issue one certificate per device from (openssl). */
export const identitiesSchema = z.union([
  z.strictObject({
    dir: z.string().min(1).describe('Directory of <name>.crt + <name>.key (or .pem / -key.pem) pairs, one per device, sorted by name'),
    /** The CA that issued them: the bundled broker trusts it for mutual TLS. */
    ca: z.string().optional(),
  }),
  z.strictObject({
    issueFrom: z.strictObject({ cert: z.string().min(1), key: z.string().min(1) }).describe('CA certificate and key (PEM) to sign device certificates with'),
    /** Where issued identities are kept for the next run (default: a temp directory). */
    cacheDir: z.string().optional(),
  }),
], { error: 'identities is { dir: path } or { issueFrom: { cert, key } }' })
export type IdentitiesDecl = z.output<typeof identitiesSchema>

const protocolSchema = z.union([z.literal('3.1.1'), z.literal(5), z.literal('5'), z.literal(4)], { error: 'protocol is 3.1.1 or 5' })
  .transform((v) => (v === '3.1.1' || v === 4 ? 4 : 5) as 4 | 5)

/** The simulated device population (or, for pub/sub load, the publishers' and subscribers' connection settings). */
export const devicesSchema = z.strictObject({
  count: z.number().int().min(1).max(1_000_000).optional(),
  protocol: protocolSchema.default(5),
  transport: z.enum(['tcp', 'tls', 'mtls']).default('tcp'),
  /** CA bundle (PEM file) that signs the broker's certificate, for tls/mtls against an external target. */
  ca: z.string().optional(),
  servername: z.string().optional(),
  identities: identitiesSchema.optional(),
  /** Client id template: `${i}` is the device index, `${run}` the run id. */
  clientId: z.string().default('hx-${run}-d${i}'),
  connectRate: rateSchema.default(200),
  keepalive: z.number().int().min(0).max(65535).default(300).describe('Keep-alive in seconds'),
  connectTimeout: durationSchema.default(10_000),
  behaviours: z.array(deviceBehaviourSchema).default([]),
})
export type DevicesDecl = z.output<typeof devicesSchema>

/** How each request picks its device. */
export const targetSelectionSchema = z.union([
  z.enum(['uniform', 'round-robin']),
  z.strictObject({ hot: z.strictObject({ share: z.number().min(0).max(1), devices: z.number().int().min(1).default(1) }) }),
], { error: 'targets is uniform, round-robin or { hot: { share: 0.5, devices: 1 } }' })
export type TargetSelection = z.output<typeof targetSelectionSchema>

const dmTimeoutSchema = z.union([z.number().int(), durationSchema.transform((ms) => ms / 1000)])
  .pipe(z.number().int({ error: 'timeout is whole seconds' }).min(1, { error: 'timeout is 1..15 seconds' }).max(15, { error: 'timeout is 1..15 seconds' }))

/** SendDirectMessage parameters for every request. */
export const directMessageSchema = z.strictObject({
  /** Topic; `${device}` is the target client id, `${run}` the run id. */
  topic: z.string().min(1).default('hx/load/${run}/${device}'),
  confirmation: z.boolean().default(true),
  /** The API's timeout in seconds (1..15), used with confirmation. */
  timeout: dmTimeoutSchema.default(5),
  payloadBytes: z.number().int().min(64).max(131072).default(128),
})
export type DirectMessageDecl = z.output<typeof directMessageSchema>

/** MQTT pub/sub load: publishers and subscribers at the stages' aggregate publish rate. */
export const pubsubSchema = z.strictObject({
  publishers: z.number().int().min(1),
  subscribers: z.number().int().min(1),
  qos: z.union([z.literal(0), z.literal(1)]).default(1),
  /** fan-in: one topic per publisher, subscribers use a `+` filter; fan-out: one shared topic; pairs: subscriber k hears publisher k. */
  pattern: z.enum(['fan-in', 'fan-out', 'pairs']).default('fan-in'),
  topic: z.string().min(1).default('hx/load/${run}'),
  payloadBytes: z.number().int().min(32).max(131072).default(64),
  /** QoS 1 publishes in flight per publisher (the broker's Receive Maximum caps it). */
  inflight: z.number().int().min(1).max(65535).default(100),
})
export type PubsubDecl = z.output<typeof pubsubSchema>

export const loadHttpSchema = z.strictObject({
  connections: z.number().int().min(1).max(10_000).default(64),
  /** How far behind its due time a request may still be sent; later ones are counted notSent. */
  maxLag: durationSchema.default(1000),
  /** Client-side timeout per request; default: the DM timeout + 5 s (the API may exceed its timeout). */
  clientTimeout: durationSchema.optional(),
})

export const closedLoopSchema = z.strictObject({
  duration: durationSchema.default(5000),
  connections: z.number().int().min(1).max(10_000).default(32),
})

/**
 * A threshold written as a mapping: the expression, and whether a failing
 * value stops the run early (k6's abortOnFail). It is checked every second
 * once `delayAbortEval` has passed since the first stage began, so a few
 * early samples cannot stop a run.
 */
export const thresholdDeclSchema = z.strictObject({
  threshold: z.string().min(1).describe('A threshold expression: p(99) < 50ms, rate(504) < 0.01, notSent == 0 ...'),
  abortOnFail: z.boolean().default(false).describe('Stop the run as soon as this threshold fails (checked every second)'),
  delayAbortEval: durationSchema.default(0).describe('Time from the first stage\'s start before abortOnFail may stop the run'),
})
export type ThresholdDecl = z.output<typeof thresholdDeclSchema>

/** A load scenario file: `scenarios/load/*.yaml`. */
export const loadScenarioSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, { error: 'id is lower-case kebab-case' }),
  title: z.string().min(1),
  description: z.string().optional(),
  seed: z.number().int().default(1),
  devices: devicesSchema.prefault({}),
  stages: z.array(loadStageSchema).min(1, { error: 'give at least one stage' }),
  arrival: z.enum(['constant', 'poisson']).default('constant'),
  targets: targetSelectionSchema.default('uniform'),
  directMessage: directMessageSchema.optional(),
  pubsub: pubsubSchema.optional(),
  http: loadHttpSchema.prefault({}),
  /** After the open-model stages: autocannon at full speed (closed loop) with the same request mix. */
  closedLoop: closedLoopSchema.optional(),
  /** How long to wait for late device receipts after the last response. */
  drain: durationSchema.default(2000),
  /** Bundled broker only: profile overrides (e.g. lift `mqtt.publishesPerSecondPerConnection`). */
  broker: z.strictObject({ profile: z.string().optional(), overrides: z.record(z.string(), z.unknown()).optional() }).default({}),
  /** Expressions (`"p(99) < 50ms"`) or `{ threshold, abortOnFail, delayAbortEval }`. */
  thresholds: z.array(z.union([z.string().min(1), thresholdDeclSchema], { error: 'a threshold is an expression string or { threshold, abortOnFail, delayAbortEval }' })).default([]),
})
export type LoadScenarioDoc = z.output<typeof loadScenarioSchema>
