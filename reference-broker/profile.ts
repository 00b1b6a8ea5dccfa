import { readFileSync, existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import { LineCounter, parseDocument, isMap, isSeq, type Node as YamlNode } from 'yaml'
import { ProfileInvalidError } from './errors.js'

const seconds = z.number().int().min(0)
const qos2Reaction = z.enum(['close', 'disconnect', 'downgrade', 'refuse', 'support'])

/**
 * The broker profile: every limit, timing and documented-behaviour choice the
 * reference broker applies. Schema first; the TypeScript type is inferred.
 */
export const profileSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().default(''),
  mqtt: z.strictObject({
    clientIdMaxBytes: z.number().int().min(1),
    clientIdReservedPrefix: z.string(),
    topicMaxBytes: z.number().int().min(1),
    topicMaxSlashes: z.number().int().min(0),
    payloadMaxBytes: z.number().int().min(0),
    maximumPacketSize: z.number().int().min(64).max(268435455),
    topicAliasMaximum: z.number().int().min(0).max(65535),
    receiveMaximum: z.number().int().min(1).max(65535),
    outboundInflightMaximum: z.number().int().min(1).max(65535),
    maximumQoS: z.union([z.literal(0), z.literal(1), z.literal(2)]),
    retainAvailable: z.boolean(),
    wildcardSubscriptionAvailable: z.boolean(),
    subscriptionIdentifiersAvailable: z.boolean(),
    /**
     * MQTT 5 enhanced authentication with the harness's test method HX-CHALLENGE
     * (reference-broker/hx-challenge.ts) [MQTT5-4.12.0-2]. AWS IoT Core has no AUTH packet
     * [M5-NO-AUTH-PACKET]: false there. Optional, so older profiles stay valid (and without it).
     */
    enhancedAuth: z.boolean().default(false),
    sharedSubscriptionsAvailable: z.boolean(),
    filtersPerSubscribe: z.number().int().min(1),
    subscriptionsPerConnection: z.number().int().min(1),
    /** 0 = unlimited. */
    publishesPerSecondPerConnection: z.number().int().min(0),
    /**
     * Bytes per second per connection and direction [LIM-THROUGHPUT-512KIB]; the excess
     * is delayed (reads paused, PUBLISHes queued), never dropped. 0 = unlimited. Optional,
     * so older profiles stay valid (and unlimited).
     */
    throughputBytesPerSecond: z.number().int().min(0).default(0),
    /** 0 = unlimited. */
    connectsPerSecondPerClientId: z.number().int().min(0),
    userPropertiesMaxBytes: z.number().int().min(0),
    /**
     * Whether an MQTT 5 CONNACK that refuses a CONNECT says why in a Reason String (when the client
     * allows problem information) [MQTT5-3.2.2-19]. Optional, default off: AWS IoT Core's CONNACK
     * form is not documented, so the aws-iot-core profile sends none; the plain profiles do.
     */
    connackReasonString: z.boolean().default(false),
    /**
     * User Properties every MQTT 5 CONNACK carries (name to value; default none) [MQTT5-3.2.2-20]:
     * for testing how a client handles them. Left out when they would push the CONNACK past
     * the client's Maximum Packet Size.
     */
    connackUserProperties: z.record(z.string(), z.string()).default({}),
    /** UTF-8 bytes of a PUBLISH's Content Type [M5-PAYLOAD-FORMAT-CONTENT-TYPE]; optional, default 65535 (what the field can hold: no limit). */
    contentTypeMaxBytes: z.number().int().min(0).max(65535).default(65535),
    messageExpiryMaxSeconds: seconds,
    messageExpiryMinSeconds: seconds,
    hashMatchesParent: z.boolean(),
    reservedTopicPrefix: z.string(),
    reservedTopicsPublishAllowed: z.array(z.string()),
    reservedTopicsSubscribeAllowed: z.array(z.string()),
    keepAlive: z.strictObject({
      minSeconds: seconds,
      maxSeconds: seconds,
      zeroMeansSeconds: seconds,
      timeoutFactor: z.number().min(1),
      /** Whether CONNACK carries Server Keep Alive also when it equals the client's keep-alive (AWS always sends it). */
      advertiseUnchanged: z.boolean().default(true),
    }),
    qos2: z.strictObject({
      mqtt311: qos2Reaction,
      mqtt5Publish: qos2Reaction,
      mqtt5Subscribe: qos2Reaction,
      will: qos2Reaction,
    }),
  }),
  sessions: z.strictObject({
    expirySeconds: seconds,
    /** Stored messages replayed per second after a resumed CONNACK; 0 = unthrottled. */
    replayRatePerSecond: z.number().min(0),
    crossVersionResume: z.boolean(),
    offlineQueueMaximum: z.number().int().min(0).default(1000),
  }),
  retained: z.strictObject({
    exactMatchOnly: z.boolean(),
    maxCount: z.number().int().min(0).default(0),
  }),
  /** Offline queueing of shared subscription groups [SHARE-QUEUE]. Optional, so older profiles stay valid. */
  sharedSubscriptions: z.strictObject({
    /** QoS 1 messages queued per group while no member is connected; newer ones are dropped above it [SHARE-QUEUE-LIMIT-DROP-NEW]. */
    queueMaximumPerGroup: z.number().int().min(0).default(100),
    /** Queued messages released per second per connected member [SHARE-QUEUE]; 0 = unthrottled. */
    dequeueRatePerSecond: z.number().min(0).default(20),
  }).prefault({}),
  takeover: z.strictObject({
    mqtt5ReasonCode: z.number().int().min(0x80).max(0xff),
  }),
  http: z.strictObject({
    directMessage: z.strictObject({
      timeoutDefaultSeconds: z.number().int().min(1),
      timeoutMinSeconds: z.number().int().min(1),
      timeoutMaxSeconds: z.number().int().min(1),
      /** SendDirectMessage requests per second for the whole broker (the account quota); 0 = unlimited. */
      requestsPerSecond: z.number().int().min(0),
    }),
    payloadMaxBytes: z.number().int().min(0),
  }),
  /**
   * Who may do what [AUTHZ-ACTIONS]: policy documents (inline, or the path of a
   * JSON file relative to the --config file), which identities they are attached
   * to, and the SigV4 keys the HTTP data plane verifies. No policies means
   * development mode: everything is allowed. Optional, so older profiles stay valid.
   */
  auth: z.strictObject({
    region: z.string().min(1).default('us-east-1'),
    accountId: z.string().min(1).default('123456789012'),
    policies: z.record(z.string(), z.union([z.string(), z.record(z.string(), z.unknown())])).default({}),
    attachments: z.strictObject({
      /** Certificate subject CN → policy names. */
      certificates: z.record(z.string(), z.array(z.string())).default({}),
      /** SigV4 access key id → policy names. */
      accessKeys: z.record(z.string(), z.array(z.string())).default({}),
      /** Policies for every caller not listed above (anonymous included). */
      default: z.array(z.string()).default([]),
    }).prefault({}),
    credentials: z.array(z.strictObject({ accessKeyId: z.string().min(1), secretAccessKey: z.string().min(1) })).default([]),
  }).prefault({}),
  server: z.strictObject({
    connectTimeoutMs: z.number().int().min(100),
    slowClientSoftBytes: z.number().int().min(1024),
    slowClientHardBytes: z.number().int().min(1024),
    /** Time a client may stay above slowClientSoftBytes without taking a byte or acknowledging a message; 0 = no limit. */
    slowClientStallMs: z.number().int().min(0).default(10000),
  }),
})

export type Profile = z.infer<typeof profileSchema>

/** A partial profile: what `--config` files and `extends` children contain. */
export type ProfileOverrides = { [K in keyof Profile]?: Profile[K] extends object ? DeepPartial<Profile[K]> : Profile[K] }
type DeepPartial<T> = { [K in keyof T]?: T[K] extends (infer _U)[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K] }

const here = dirname(fileURLToPath(import.meta.url))

/** Folder of the bundled profiles (works from the sources and from dist/). */
export function bundledProfilesDir(): string {
  for (const candidate of [join(here, 'profiles'), join(here, '..', '..', 'reference-broker', 'profiles')]) {
    if (existsSync(join(candidate, 'aws-iot-core.yaml'))) return candidate
  }
  throw new Error(`bundled profiles not found next to ${here}`)
}

/** Names of the profiles shipped with the broker. */
export const bundledProfileNames = ['aws-iot-core', 'mqtt-5', 'mqtt-3.1.1', 'mqtt-5-minimal'] as const

interface RawProfile {
  file: string
  data: Record<string, unknown>
  lines: (path: (string | number)[]) => string
}

function readYamlFile(file: string): RawProfile {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const message = code === 'ENOENT'
      ? `no such file, and not a bundled profile (${bundledProfileNames.join(', ')})`
      : `cannot read file: ${code ?? String(err)}`
    throw new ProfileInvalidError(file, [{ path: '', message }])
  }
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false })
  if (doc.errors.length > 0) {
    throw new ProfileInvalidError(file, doc.errors.map((e) => {
      const pos = lineCounter.linePos(e.pos[0])
      return { path: `line ${pos.line}:${pos.col}`, message: e.message.split('\n')[0] ?? e.message }
    }))
  }
  const data: unknown = doc.toJS()
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ProfileInvalidError(file, [{ path: '', message: 'expected a YAML mapping at the top level' }])
  }
  const lines = (path: (string | number)[]): string => {
    let node: unknown = doc.contents
    for (const key of path) {
      if (isMap(node) || isSeq(node)) node = node.get(key, true)
      else break
    }
    const range = (node as YamlNode | undefined)?.range
    if (!range) return ''
    const pos = lineCounter.linePos(range[0])
    return ` (line ${pos.line}:${pos.col})`
  }
  return { file, data: data as Record<string, unknown>, lines }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

/** Deep merge where arrays and scalars in `over` replace those in `base`. */
export function mergeProfile(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(over)) {
    const prev = out[key]
    out[key] = isPlainObject(prev) && isPlainObject(value) ? mergeProfile(prev, value) : value
  }
  return out
}

function resolveRaw(nameOrFile: string, seen: Set<string>): { merged: Record<string, unknown>; top: RawProfile } {
  const file = resolveProfileFile(nameOrFile)
  if (seen.has(file)) throw new ProfileInvalidError(file, [{ path: 'extends', message: 'profiles extend each other in a cycle' }])
  seen.add(file)
  const raw = readYamlFile(file)
  const { extends: parent, ...rest } = raw.data
  if (parent === undefined) return { merged: rest, top: raw }
  if (typeof parent !== 'string') throw new ProfileInvalidError(file, [{ path: 'extends' + raw.lines(['extends']), message: 'must be a profile name or file path' }])
  const base = resolveRaw(parent.includes('/') ? resolve(dirname(file), parent) : parent, seen)
  return { merged: mergeProfile(base.merged, rest), top: raw }
}

/** Finds a bundled profile by name, or a file by path. */
export function resolveProfileFile(nameOrFile: string): string {
  if ((bundledProfileNames as readonly string[]).includes(nameOrFile)) return join(bundledProfilesDir(), `${nameOrFile}.yaml`)
  return resolve(nameOrFile)
}

function validate(merged: Record<string, unknown>, raw: RawProfile): Profile {
  const result = profileSchema.safeParse(merged)
  if (result.success) return result.data
  throw new ProfileInvalidError(raw.file, result.error.issues.map((issue) => {
    const path = issue.path.map(String)
    const extra = issue.code === 'unrecognized_keys' ? issue.keys : []
    const fieldPath = extra.length ? [...path, extra[0]!] : path
    return { path: fieldPath.join('.') + raw.lines(fieldPath), message: issue.message }
  }))
}

/**
 * Loads a profile by bundled name or file path, applies an optional `--config`
 * override file, and validates the result. Throws ProfileInvalidError naming
 * the file, the field (with its line) and what is wrong.
 */
export function loadProfile(nameOrFile = 'aws-iot-core', configFile?: string, overrides?: ProfileOverrides): Profile {
  const { merged, top } = resolveRaw(nameOrFile, new Set())
  let result = validate(merged, top)
  if (configFile) {
    const raw = readYamlFile(resolve(configFile))
    const { extends: parent, ...rest } = raw.data
    const base = parent === undefined ? merged : resolveRaw(String(parent), new Set()).merged
    result = validate(mergeProfile(base, rest), raw)
  }
  if (overrides) result = validate(mergeProfile(result as unknown as Record<string, unknown>, overrides as Record<string, unknown>), { ...top, file: '(programmatic overrides)', lines: () => '' })
  return result
}
