import { randomUUID } from 'node:crypto'
import type { Profile } from './profile.js'
import type { ProtocolVersion } from './mqtt-codec.js'
import { RC, RC311 } from './reason-codes.js'
import { topicNameProblem } from './topic-rules.js'
import { AWS_MEASURES, type Measures } from './measures.js'
import { publishTopicUtf8Problem } from './mqtt-codec.js'

export interface ConnectHost {
  connectAllowed(clientId: string): boolean
  sessionVersion(clientId: string): ProtocolVersion | undefined
}

export type ConnectVerdict =
  | { refuse: { reason: string; v5: number; v311: number | null } }
  | { refuse?: undefined; keepAlive: number; endSessionAtClose: boolean; resumesSession: boolean; rewritten: boolean; packet: Record<string, any> }

/** Effective keep-alive after the AWS clamp: 0 or above max → default, 1..min-1 → min [KA-RANGE-30-1200]. */
export function effectiveKeepAlive(requested: number, ka: Profile['mqtt']['keepAlive']): number {
  if (requested === 0) return ka.zeroMeansSeconds
  return Math.min(Math.max(requested, ka.minSeconds), ka.maxSeconds)
}

/**
 * Checks a CONNECT against the profile and rewrites what aedes must see
 * differently. The gate runs the keep-alive timer itself, so aedes gets 0.
 */
export function checkConnect(packet: Record<string, any>, profile: Profile, host: ConnectHost): ConnectVerdict {
  const m = profile.mqtt
  const v5 = packet.protocolVersion === 5
  const clientId = String(packet.clientId ?? '')
  const refuse = (reason: string, v5code: number, v311: number | null): ConnectVerdict => ({ refuse: { reason, v5: v5code, v311 } })

  // An empty client id: MQTT 3.1 requires 1 to 23 characters; MQTT 3.1.1 allows it only with
  // Clean Session 1 [MQTT-3.1.3-8]: CONNACK 0x02 Identifier rejected.
  if (!clientId && packet.protocolVersion === 3) return refuse('client-id-empty', RC.CLIENT_IDENTIFIER_NOT_VALID, RC311.IDENTIFIER_REJECTED)
  if (!clientId && packet.protocolVersion === 4 && packet.clean === false) return refuse('client-id-empty-persistent', RC.CLIENT_IDENTIFIER_NOT_VALID, RC311.IDENTIFIER_REJECTED)
  // [CID-MAX-128] [CID-DOLLAR-RESERVED]
  if (Buffer.byteLength(clientId, 'utf8') > m.clientIdMaxBytes) return refuse('client-id-too-long', RC.CLIENT_IDENTIFIER_NOT_VALID, RC311.IDENTIFIER_REJECTED)
  if (m.clientIdReservedPrefix && clientId.startsWith(m.clientIdReservedPrefix)) return refuse('client-id-reserved-prefix', RC.CLIENT_IDENTIFIER_NOT_VALID, RC311.IDENTIFIER_REJECTED)

  const will = packet.will as Record<string, any> | undefined
  if (will) {
    // [LWT-QOS2-REFUSED] v5 CONNACK 0x9B; 3.1.1 closes without CONNACK.
    if (will.qos === 2 && m.qos2.will !== 'support') return refuse('will-qos2', RC.QOS_NOT_SUPPORTED, null)
    // A Will above a Maximum QoS below 1 [MQTT5-3.2.2-12]; a retained Will without retained messages [MQTT5-3.2.2-13].
    if (will.qos === 1 && m.maximumQoS === 0) return refuse('will-qos-unsupported', RC.QOS_NOT_SUPPORTED, null)
    if (will.retain && !m.retainAvailable) return refuse('will-retain-unsupported', RC.RETAIN_NOT_SUPPORTED, null)
    const problem = topicNameProblem(String(will.topic), m, m.reservedTopicsPublishAllowed)
    if (problem) return refuse(`will-topic-invalid: ${problem}`, RC.TOPIC_NAME_INVALID, null)
    if (will.payload && will.payload.length > m.payloadMaxBytes) return refuse('will-payload-too-large', RC.QUOTA_EXCEEDED, null)
  }
  // [CID-CONNECT-RATE-1PS]
  if (clientId && !host.connectAllowed(clientId)) return refuse('connect-rate-exceeded', RC.CONNECTION_RATE_EXCEEDED, RC311.SERVER_UNAVAILABLE)

  let rewritten = false
  // [CID-ASSIGNED-V5] MQTT 5 gets an id assigned whatever its Clean Start (MQTT 5 no longer ties an
  // empty id to Clean Start [MQTT-3.1.3-6]). A fresh id has no stored session to resume, so Clean
  // Start 0 means what Clean Start 1 does; aedes is told 1 (mqtt-packet cannot encode the other).
  if (!clientId && v5 && packet.clean === false) {
    packet.clean = true
    rewritten = true
  }
  const keepAlive = effectiveKeepAlive(Number(packet.keepalive ?? 0), m.keepAlive)
  if (packet.keepalive !== 0) {
    packet.keepalive = 0
    rewritten = true
  }
  // The Will Delay Interval stays: aedes delays the Will by it (capped by the session expiry)
  // [LWT-ON-UNGRACEFUL]; SessionAedes.publishWill keeps it out of the Will PUBLISH.
  let endSessionAtClose = false
  let resumesSession = false
  if (!packet.clean && clientId) {
    const stored = host.sessionVersion(clientId)
    const storedMajor = stored === 5 ? 5 : stored === undefined ? undefined : 4
    const thisMajor = v5 ? 5 : 4
    if (storedMajor !== undefined && storedMajor !== thisMajor && !profile.sessions.crossVersionResume) {
      // [PS-NO-CROSS-VERSION] the other version's session is not resumed.
      packet.clean = true
      rewritten = true
    } else if (v5 && !packet.properties?.sessionExpiryInterval) {
      // Clean Start 0 without Session Expiry resumes the session but does not keep it
      // after this connection [PS-SEI-DEFAULT-ZERO]. aedes 2.0.0-beta.1 defect 2 would
      // drop the stored messages, so aedes sees 1 s and the gate ends the session at close.
      packet.properties = { ...(packet.properties ?? {}), sessionExpiryInterval: 1 }
      endSessionAtClose = true
      rewritten = true
    }
    // A stored session this CONNECT resumes: Session Present 1 even when it holds no
    // subscription [PS-CREATE-311] [PS-CREATE-V5] (aedes says 1 only when it restored some).
    resumesSession = packet.clean === false && stored !== undefined
  }
  return { keepAlive, endSessionAtClose, resumesSession, rewritten, packet }
}

export type PublishVerdict =
  | { kind: 'ok'; topic: string; rewritten: boolean }
  | { kind: 'violation'; code: number; reason: string; reasonString?: string }
  | { kind: 'close'; reason: string }

/** What the PUBLISH rules read and settle: the topic (aliases resolved) and whether aedes must get a re-encoded packet. */
export interface PublishContext {
  readonly packet: Record<string, any>
  /** The frame as the client sent it (byte-level checks). */
  readonly frame: Buffer | undefined
  readonly v5: boolean
  /** The profile's MQTT limits. */
  m: Profile['mqtt']
  readonly aliases: Map<number, string>
  topic: string
  rewritten: boolean
}

/** One PUBLISH rule: a refusal, or nothing when the packet passes (it may rewrite it). */
export interface PublishRule {
  /** The catalogue or standard ids the rule implements. */
  readonly id: string
  check(ctx: PublishContext): Exclude<PublishVerdict, { kind: 'ok' }> | undefined
}

/** The size the 8 KB quota counts [M5-USER-PROPERTIES]: every name/value pair, as `measures` counts one. */
function userPropertiesSize(props: Record<string, unknown> | undefined, measures: Measures): number {
  if (!props) return 0
  let n = 0
  for (const [k, v] of Object.entries(props)) {
    for (const value of Array.isArray(v) ? v : [v]) n += measures.userPropertySize(k, String(value))
  }
  return n
}

/** A topic name's AWS limits [TOPIC-MAX-256] [TOPIC-MAX-7-SLASHES] [TOPIC-DOLLAR-RESERVED], counted by `measures`. */
export function topicNameRule(measures: Measures): PublishRule {
  return {
    id: 'TOPIC-MAX-256 TOPIC-MAX-7-SLASHES TOPIC-DOLLAR-RESERVED',
    check({ topic, v5, m }) {
      const problem = topicNameProblem(topic, m, m.reservedTopicsPublishAllowed, measures)
      return problem ? publishFailure(v5, RC.TOPIC_NAME_INVALID, 'topic-name-invalid', problem) : undefined
    },
  }
}

/** The 8 KB of user properties of an MQTT 5 PUBLISH [M5-USER-PROPERTIES], counted by `measures`. */
export function userPropertiesRule(measures: Measures): PublishRule {
  return {
    id: 'M5-USER-PROPERTIES',
    check: ({ packet, v5, m }) => v5 && userPropertiesSize(packet.properties?.userProperties, measures) > m.userPropertiesMaxBytes
      ? publishFailure(v5, RC.QUOTA_EXCEEDED, 'user-properties-too-large')
      : undefined,
  }
}

/** The quota "Maximum MQTT5 Content Type size" [M5-PAYLOAD-FORMAT-CONTENT-TYPE], counted by `measures`. */
export function contentTypeRule(measures: Measures): PublishRule {
  return {
    id: 'M5-PAYLOAD-FORMAT-CONTENT-TYPE',
    check({ packet, v5, m }) {
      const contentType = v5 ? packet.properties?.contentType as string | undefined : undefined
      return contentType !== undefined && measures.contentTypeSize(contentType) > m.contentTypeMaxBytes ? publishFailure(v5, RC.QUOTA_EXCEEDED, 'content-type-too-large') : undefined
    },
  }
}

/** A refused PUBLISH: DISCONNECT with the reason code on MQTT 5, a close on 3.1.1. */
function publishFailure(v5: boolean, code: number, reason: string, reasonString?: string): Exclude<PublishVerdict, { kind: 'ok' }> {
  return v5 ? { kind: 'violation', code, reason, reasonString } : { kind: 'close', reason }
}

/**
 * The rules an inbound PUBLISH must pass, in the order they are checked. A deviation
 * removes or wraps one by its id (faults/gate-faults.ts).
 */
export const PUBLISH_RULES: readonly PublishRule[] = [
  {
    // A topic that decoded to U+FFFD or holds U+0000 is checked byte for byte: ill-formed UTF-8 and
    // U+0000 make the packet malformed, whatever the version.
    id: 'MQTT5-1.5.4-1 MQTT5-1.5.4-2 MQTT311-1.5.3-1 MQTT311-1.5.3-2',
    check({ packet, frame }) {
      const rawTopic = String(packet.topic ?? '')
      if (frame === undefined || !(rawTopic.includes('\uFFFD') || rawTopic.includes('\u0000'))) return undefined
      const problem = publishTopicUtf8Problem(frame)
      return problem ? { kind: 'violation', code: RC.MALFORMED_PACKET, reason: 'malformed-packet', reasonString: problem } : undefined
    },
  },
  {
    // Resolves topic aliases into the connection's aliases [ALIAS-CONNECTION-SCOPE].
    id: 'ALIAS-OUT-OF-RANGE-0x94 ALIAS-CONNECTION-SCOPE',
    check(ctx) {
      const alias = ctx.v5 ? ctx.packet.properties?.topicAlias as number | undefined : undefined
      if (alias === undefined) return undefined
      // [ALIAS-OUT-OF-RANGE-0x94] reason string of the form AWS sends.
      if (alias === 0 || alias > ctx.m.topicAliasMaximum) {
        return publishFailure(ctx.v5, RC.TOPIC_ALIAS_INVALID, 'topic-alias-out-of-range', `DISCONNECT:Topic alias is out of range.:${randomUUID()}`)
      }
      if (ctx.topic) ctx.aliases.set(alias, ctx.topic)
      else {
        const known = ctx.aliases.get(alias)
        // [ALIAS-CONNECTION-SCOPE] an alias is only valid on the connection that set it.
        if (known === undefined) return publishFailure(ctx.v5, RC.PROTOCOL_ERROR, 'unknown-topic-alias', `DISCONNECT:Topic alias ${alias} is not set on this connection.:${randomUUID()}`)
        ctx.topic = known
      }
      return undefined
    },
  },
  {
    id: 'QOS2-NO-ACK QOS2-V5-MAXIMUM-QOS',
    check({ packet, v5, m }) {
      // A QoS 1 PUBLISH above an MQTT 5 Maximum QoS of 0 breaks the client's duty [MQTT5-3.2.2-11]: DISCONNECT 0x9B
      // (MQTT 5.0 3.2.2.3.4); QoS 2 follows the profile's reaction.
      if (packet.qos === 1 && v5 && m.maximumQoS === 0) return publishFailure(v5, RC.QOS_NOT_SUPPORTED, 'qos-above-maximum')
      if (packet.qos !== 2) return undefined
      const reaction = v5 ? m.qos2.mqtt5Publish : m.qos2.mqtt311
      return reaction !== 'support' ? publishFailure(v5, RC.QOS_NOT_SUPPORTED, 'qos2-publish') : undefined
    },
  },
  topicNameRule(AWS_MEASURES),
  {
    id: 'RET-SUPPORTED',
    check: ({ packet, v5, m }) => packet.retain && !m.retainAvailable ? publishFailure(v5, RC.RETAIN_NOT_SUPPORTED, 'retain-unsupported') : undefined,
  },
  {
    id: 'RET-NOT-ON-RESERVED',
    check: ({ packet, topic, v5, m }) => packet.retain && m.reservedTopicPrefix && topic.startsWith(m.reservedTopicPrefix)
      ? publishFailure(v5, RC.TOPIC_NAME_INVALID, 'retain-on-reserved-topic')
      : undefined,
  },
  {
    id: 'LIM-PAYLOAD-128KB',
    check({ packet, v5, m }) {
      const payloadBytes = packet.payload ? (packet.payload as Buffer).length : 0
      return payloadBytes > m.payloadMaxBytes ? publishFailure(v5, RC.QUOTA_EXCEEDED, 'payload-too-large', `payload of ${payloadBytes} bytes exceeds ${m.payloadMaxBytes}`) : undefined
    },
  },
  userPropertiesRule(AWS_MEASURES),
  contentTypeRule(AWS_MEASURES),
  {
    id: 'M5-REQUEST-RESPONSE',
    check({ packet, v5 }) {
      const responseTopic = v5 ? packet.properties?.responseTopic as string | undefined : undefined
      return responseTopic !== undefined && /[+#]/.test(responseTopic) ? publishFailure(v5, RC.PROTOCOL_ERROR, 'response-topic-wildcard') : undefined
    },
  },
  {
    id: 'MEI-MIN-1 MEI-MAX-7-DAYS',
    check(ctx) {
      const props = ctx.v5 ? ctx.packet.properties as Record<string, any> | undefined : undefined
      const mei = props?.messageExpiryInterval as number | undefined
      if (mei === undefined) return undefined
      const clamped = Math.min(Math.max(mei, ctx.m.messageExpiryMinSeconds), ctx.m.messageExpiryMaxSeconds)
      if (clamped !== mei) {
        props!.messageExpiryInterval = clamped
        ctx.rewritten = true
      }
      return undefined
    },
  },
]

/**
 * Checks an inbound PUBLISH against `rules` (PUBLISH_RULES in normal use) [ALIAS-*] [TOPIC-*]
 * [LIM-PAYLOAD-128KB] [QOS2-*] [MEI-MIN-1] [MEI-MAX-7-DAYS]. Resolves topic aliases into `aliases`.
 */
export function checkPublish(packet: Record<string, any>, version: ProtocolVersion, profile: Profile, aliases: Map<number, string>, rules: readonly PublishRule[] = PUBLISH_RULES, frame?: Buffer): PublishVerdict {
  const ctx: PublishContext = { packet, frame, v5: version === 5, m: profile.mqtt, aliases, topic: String(packet.topic ?? ''), rewritten: false }
  for (let i = 0; i < rules.length; i++) {
    const refused = rules[i]!.check(ctx)
    if (refused) return refused
  }
  return { kind: 'ok', topic: ctx.topic, rewritten: ctx.rewritten }
}
