import { randomUUID } from 'node:crypto'
import type { Profile } from './profile.js'
import type { ProtocolVersion } from './mqtt-codec.js'
import { RC, RC311 } from './reason-codes.js'
import { topicNameProblem } from './topic-rules.js'

export interface ConnectHost {
  connectAllowed(clientId: string): boolean
  sessionVersion(clientId: string): ProtocolVersion | undefined
  /** Deliberate faults (deviations.ts) switched on; absent or empty in normal use. */
  readonly faults?: ReadonlySet<string>
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
  // The `empty-client-id-persistent-accepted` deviation lets CleanSession 0 through to aedes (which closes without CONNACK) [MQTT311-3.1.3-8].
  if (!clientId && packet.protocolVersion === 4 && packet.clean === false && !host.faults?.has('empty-client-id-persistent-accepted')) return refuse('client-id-empty-persistent', RC.CLIENT_IDENTIFIER_NOT_VALID, RC311.IDENTIFIER_REJECTED)
  // [CID-MAX-128] [CID-DOLLAR-RESERVED]
  if (Buffer.byteLength(clientId, 'utf8') > m.clientIdMaxBytes) return refuse('client-id-too-long', RC.CLIENT_IDENTIFIER_NOT_VALID, RC311.IDENTIFIER_REJECTED)
  if (m.clientIdReservedPrefix && clientId.startsWith(m.clientIdReservedPrefix)) return refuse('client-id-reserved-prefix', RC.CLIENT_IDENTIFIER_NOT_VALID, RC311.IDENTIFIER_REJECTED)

  const will = packet.will as Record<string, any> | undefined
  if (will) {
    // [LWT-QOS2-REFUSED] v5 CONNACK 0x9B; 3.1.1 closes without CONNACK.
    if (will.qos === 2 && m.qos2.will !== 'support') return refuse('will-qos2', RC.QOS_NOT_SUPPORTED, null)
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
  const faults = host.faults
  // The `will-retain-ignored` deviation stores no Will as retained [RET-WILL-RETAIN].
  if (will?.retain && faults?.has('will-retain-ignored')) {
    will.retain = false
    rewritten = true
  }
  // The `clean-start-keeps-session` deviation resumes a stored session despite Clean Start 1 [PS-CLEAN-ENDS-SESSION].
  if (packet.clean && clientId && faults?.has('clean-start-keeps-session') && host.sessionVersion(clientId) !== undefined) {
    packet.clean = false
    rewritten = true
  }
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
    } else if (v5 && !packet.properties?.sessionExpiryInterval && faults?.has('sei-absent-keeps-session')) {
      // The `sei-absent-keeps-session` deviation keeps the session for the account maximum [PS-SEI-DEFAULT-ZERO].
      packet.properties = { ...(packet.properties ?? {}), sessionExpiryInterval: profile.sessions.expirySeconds }
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

function userPropertiesBytes(props: Record<string, unknown> | undefined): number {
  if (!props) return 0
  let n = 0
  for (const [k, v] of Object.entries(props)) {
    for (const value of Array.isArray(v) ? v : [v]) n += Buffer.byteLength(k) + Buffer.byteLength(String(value)) + 4
  }
  return n
}

/** A refused PUBLISH: DISCONNECT with the reason code on MQTT 5, a close on 3.1.1. */
function publishFailure(v5: boolean, code: number, reason: string, reasonString?: string): PublishVerdict {
  return v5 ? { kind: 'violation', code, reason, reasonString } : { kind: 'close', reason }
}

/**
 * Checks an inbound PUBLISH [ALIAS-*] [TOPIC-*] [LIM-PAYLOAD-128KB] [QOS2-*]
 * [MEI-MIN-1] [MEI-MAX-7-DAYS]. Resolves topic aliases into `aliases`.
 */
export function checkPublish(packet: Record<string, any>, version: ProtocolVersion, profile: Profile, aliases: Map<number, string>, acceptOneMoreAlias = false, faults: ReadonlySet<string> = new Set()): PublishVerdict {
  const m = profile.mqtt
  const v5 = version === 5
  let topic = String(packet.topic ?? '')
  let rewritten = false
  if (v5) {
    const alias = packet.properties?.topicAlias as number | undefined
    if (alias !== undefined) {
      // [ALIAS-OUT-OF-RANGE-0x94] reason string of the form AWS sends.
      if (alias === 0 || alias > m.topicAliasMaximum + (acceptOneMoreAlias ? 1 : 0)) {
        return publishFailure(v5, RC.TOPIC_ALIAS_INVALID, 'topic-alias-out-of-range', `DISCONNECT:Topic alias is out of range.:${randomUUID()}`)
      }
      if (topic) aliases.set(alias, topic)
      else {
        const known = aliases.get(alias)
        // [ALIAS-CONNECTION-SCOPE] an alias is only valid on the connection that set it.
        if (known === undefined) return publishFailure(v5, RC.PROTOCOL_ERROR, 'unknown-topic-alias', `DISCONNECT:Topic alias ${alias} is not set on this connection.:${randomUUID()}`)
        topic = known
      }
    }
  }
  if (packet.qos === 2) {
    const reaction = v5 ? m.qos2.mqtt5Publish : m.qos2.mqtt311
    if (reaction !== 'support') return publishFailure(v5, RC.QOS_NOT_SUPPORTED, 'qos2-publish') // [QOS2-NO-ACK] [QOS2-V5-MAXIMUM-QOS]
  }
  const problem = topicNameProblem(topic, m, m.reservedTopicsPublishAllowed)
  if (problem) return publishFailure(v5, RC.TOPIC_NAME_INVALID, 'topic-name-invalid', problem)
  if (packet.retain && !m.retainAvailable) return publishFailure(v5, 0x9a, 'retain-unsupported')
  // The `retain-on-reserved-allowed` deviation lets retained publishes onto allowed $ topics.
  if (packet.retain && m.reservedTopicPrefix && topic.startsWith(m.reservedTopicPrefix) && !faults.has('retain-on-reserved-allowed')) {
    return publishFailure(v5, RC.TOPIC_NAME_INVALID, 'retain-on-reserved-topic') // [RET-NOT-ON-RESERVED]
  }
  const payloadBytes = packet.payload ? (packet.payload as Buffer).length : 0
  if (payloadBytes > m.payloadMaxBytes) return publishFailure(v5, RC.QUOTA_EXCEEDED, 'payload-too-large', `payload of ${payloadBytes} bytes exceeds ${m.payloadMaxBytes}`)
  if (v5) {
    const props = packet.properties as Record<string, any> | undefined
    if (userPropertiesBytes(props?.userProperties) > m.userPropertiesMaxBytes) return publishFailure(v5, RC.QUOTA_EXCEEDED, 'user-properties-too-large')
    const responseTopic = props?.responseTopic as string | undefined
    // [M5-REQUEST-RESPONSE] (the `response-topic-unchecked` deviation leaves it to aedes, which closes without DISCONNECT)
    if (responseTopic !== undefined && /[+#]/.test(responseTopic) && !faults.has('response-topic-unchecked')) return publishFailure(v5, RC.PROTOCOL_ERROR, 'response-topic-wildcard')
    const mei = props?.messageExpiryInterval as number | undefined
    // The `mei-default-added` deviation gives a message without expiry a 1-day interval [MEI-ABSENT-NO-EXPIRY].
    if (mei === undefined && faults.has('mei-default-added')) {
      packet.properties = { ...(props ?? {}), messageExpiryInterval: 86400 }
      rewritten = true
    }
    if (mei !== undefined) {
      const clamped = Math.min(Math.max(mei, m.messageExpiryMinSeconds), m.messageExpiryMaxSeconds)
      if (clamped !== mei) {
        props!.messageExpiryInterval = clamped
        rewritten = true
      }
    }
  }
  return { kind: 'ok', topic, rewritten }
}
