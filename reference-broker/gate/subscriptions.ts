import type { ConnectionSubscriptions, GateConnection, GateHandlers, SharedSubscriptionHost } from './connection.js'
import { AWS_MEASURES, type Measures } from '../measures.js'
import type { ProtocolVersion } from '../mqtt-codec.js'
import { encode, type FrameDecoder } from '../mqtt-codec.js'
import { RC, SUBACK_FAILURE_311 } from '../reason-codes.js'
import { parseShared, topicFilterProblem } from '../topic-rules.js'

/** A refused filter's code: the MQTT 5 reason code, or 0x80 on 3.1.1. */
export function filterFailure(version: ProtocolVersion, v5code: number): number {
  return version === 5 ? v5code : SUBACK_FAILURE_311
}

/**
 * The gate's verdict on one filter: AWS filter rules [TOPIC-*], shared
 * subscriptions [SHARE-*], wildcard availability and the per-connection quota
 * [SUB-MAX-50-PER-CONNECTION]; undefined when it is granted.
 */
export function filterVerdictWith(measures: Measures): GateHandlers['filterVerdict'] {
  return (gate, s, shared, held) => {
    const m = gate.profile.mqtt
    const problem = topicFilterProblem(s.topic, m, m.reservedTopicsSubscribeAllowed, measures)
    let code: number | undefined
    if (problem) code = RC.TOPIC_FILTER_INVALID
    else if (shared && !m.sharedSubscriptionsAvailable) code = 0x9e
    else if (!m.wildcardSubscriptionAvailable && /[+#]/.test(s.topic)) code = 0xa2
    else if (!held.has(s.topic) && held.size >= m.subscriptionsPerConnection) code = RC.QUOTA_EXCEEDED
    return code === undefined ? undefined : { refuse: filterFailure(gate.version, code), problem: problem ?? undefined }
  }
}

/** The verdict with AWS's units (measures.ts). */
export const filterVerdict = filterVerdictWith(AWS_MEASURES)

/**
 * A SUBACK as the client gets it. A refused filter is explained in a Reason String
 * when the client allows problem information [M5-REQUEST-PROBLEM-INFO]
 * [MQTT5-3.1.2-29]; fit-packet-size.ts leaves it out for a client whose Maximum
 * Packet Size it would exceed [MQTT5-3.9.2-1].
 */
export function encodeSuback(gate: GateConnection, ack: Record<string, unknown>): Buffer {
  const refused = (ack.granted as number[]).flatMap((code, i) => (code >= 0x80 ? [`filter ${i + 1} 0x${code.toString(16)}`] : []))
  if (gate.version !== 5 || !gate.problemInformation || refused.length === 0 || ack.properties) return encode(ack, gate.version)
  return encode({ ...ack, properties: { reasonString: `SUBACK: refused ${refused.join(', ')}` } }, 5)
}

interface Pending {
  /** Reason codes decided by the gate, by position in the client's packet. */
  codes: (number | undefined)[]
  /** Positions (in the client's packet) of the filters forwarded to aedes, in order. */
  forwarded: number[]
  filters: string[]
}

/**
 * SUBSCRIBE and UNSUBSCRIBE for one connection: AWS filter rules and quotas are
 * decided here, shared subscriptions go to the broker's registry, the rest to
 * aedes, and the SUBACK/UNSUBACK the client gets lists every filter in order.
 */
export class GateSubscriptions implements ConnectionSubscriptions {
  /** Active filters on this connection [SUB-MAX-50-PER-CONNECTION]. */
  private readonly filters = new Set<string>()
  private readonly pendingSub = new Map<number, Pending>()
  private readonly pendingUnsub = new Map<number, Pending>()

  constructor(private readonly gate: GateConnection, private readonly host: SharedSubscriptionHost) {}

  private failure(v5code: number): number {
    return filterFailure(this.gate.version, v5code)
  }

  subscribe(frame: Buffer, packet: Record<string, any>): void {
    const m = this.host.profile.mqtt
    const gate = this.gate
    if (gate.version === 5 && packet.properties?.subscriptionIdentifier !== undefined && !m.subscriptionIdentifiersAvailable) {
      return gate.violation(RC.SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED, 'subscription-identifier-unsupported', 'DISCONNECT: Subscription Id is not supported now') // [SUB-ID-UNSUPPORTED]
    }
    const subs = packet.subscriptions as { topic: string; qos: number }[]
    const messageId = packet.messageId as number
    if (subs.length > m.filtersPerSubscribe) {
      // [SUB-MAX-8-PER-SUBSCRIBE] the whole request is refused, filter by filter.
      this.host.log.info({ event: 'rejected', clientId: gate.clientId, reason: 'too-many-filters-in-subscribe', count: subs.length })
      return gate.writeOut(this.encodeSuback({ cmd: 'suback', messageId, granted: subs.map(() => this.failure(RC.QUOTA_EXCEEDED)) }))
    }
    const codes: (number | undefined)[] = new Array(subs.length)
    const forwarded: number[] = []
    let changed = false
    for (let i = 0; i < subs.length; i++) {
      const s = subs[i]!
      if (s.qos === 2) {
        const reaction = gate.version === 5 ? m.qos2.mqtt5Subscribe : m.qos2.mqtt311
        if (reaction === 'downgrade') {
          s.qos = Math.min(1, m.maximumQoS) // [QOS2-V5-MAXIMUM-QOS] granted QoS 1 (contradiction C13, profile choice)
          changed = true
        } else if (reaction !== 'support') {
          // [QOS2-NO-ACK] no SUBACK; the connection is closed.
          return gate.version === 5 ? gate.violation(RC.QOS_NOT_SUPPORTED, 'qos2-subscribe') : gate.closeNow('qos2-subscribe')
        }
      }
      const shared = parseShared(s.topic)
      const verdict = gate.handlers.filterVerdict(gate, s, shared !== null, this.filters)
      if (verdict && 'grant' in verdict) {
        codes[i] = verdict.grant
        changed = true
        continue
      }
      if (verdict) {
        const code = verdict.refuse
        this.host.log.info({ event: 'rejected', clientId: gate.clientId, reason: 'subscribe-refused', filter: s.topic, code, detail: verdict.problem })
        codes[i] = code
        changed = true
        continue
      }
      this.filters.add(s.topic)
      if (shared) {
        const granted = Math.min(s.qos, m.maximumQoS)
        this.host.sharedSubscribe(gate, shared.group, shared.filter, granted, packet.properties?.subscriptionIdentifier as number | undefined)
        codes[i] = granted
        changed = true
        continue
      }
      if (s.qos > m.maximumQoS) {
        // A server without QoS 1 or 2 still accepts the filter, granted at its Maximum QoS [MQTT5-3.2.2-10].
        s.qos = m.maximumQoS
        changed = true
      }
      forwarded.push(i)
    }
    if (forwarded.length === 0) return gate.writeOut(this.encodeSuback({ cmd: 'suback', messageId, granted: codes as number[] }))
    this.pendingSub.set(messageId, { codes, forwarded, filters: subs.map((s) => s.topic) })
    gate.forward(changed ? encode({ ...packet, subscriptions: forwarded.map((i) => subs[i]) }, gate.version) : frame)
  }

  unsubscribe(frame: Buffer, packet: Record<string, any>): void {
    const gate = this.gate
    const topics = packet.unsubscriptions as string[]
    const messageId = packet.messageId as number
    const codes: (number | undefined)[] = new Array(topics.length)
    const forwarded: number[] = []
    topics.forEach((topic, i) => {
      this.filters.delete(topic)
      const shared = parseShared(topic)
      if (shared) {
        this.host.sharedUnsubscribe(gate, shared.group, shared.filter)
        codes[i] = RC.SUCCESS
      } else forwarded.push(i)
    })
    if (forwarded.length === 0) {
      const ack: Record<string, unknown> = { cmd: 'unsuback', messageId }
      if (gate.version === 5) ack.granted = codes
      return gate.writeOut(encode(ack, gate.version))
    }
    if (forwarded.length === topics.length) return gate.forward(frame)
    this.pendingUnsub.set(messageId, { codes, forwarded, filters: topics })
    gate.forward(encode({ ...packet, unsubscriptions: forwarded.map((i) => topics[i]) }, gate.version))
  }

  /** Rewrites aedes' SUBACK/UNSUBACK so it answers the client's whole packet, in order. */
  mergeAck(frame: Buffer, decoder: FrameDecoder): Buffer {
    const ack = decoder.decode(frame) as Record<string, any>
    const isSub = ack.cmd === 'suback'
    const pending = (isSub ? this.pendingSub : this.pendingUnsub).get(ack.messageId)
    if (!pending) return frame
    ;(isSub ? this.pendingSub : this.pendingUnsub).delete(ack.messageId)
    const fromAedes = (ack.granted ?? []) as number[]
    const codes = pending.codes.slice()
    pending.forwarded.forEach((pos, k) => {
      const code = fromAedes[k] ?? RC.SUCCESS
      codes[pos] = code
      if (isSub && code >= 0x80) this.filters.delete(pending.filters[pos]!)
    })
    if (!isSub && this.gate.version !== 5) return frame
    return isSub ? this.encodeSuback({ ...ack, granted: codes }) : encode({ ...ack, granted: codes }, this.gate.version)
  }

  private encodeSuback(ack: Record<string, unknown>): Buffer {
    return this.gate.handlers.encodeSuback(this.gate, ack)
  }

  /** The connection no longer counts this filter against its quota. */
  forget(filter: string): void {
    this.filters.delete(filter)
  }

  /** A resumed session's subscriptions count against the connection's quota [SUB-MAX-50-PER-CONNECTION]. */
  restore(filters: readonly string[]): void {
    for (const filter of filters) this.filters.add(filter)
  }

  /** A clean-session member leaves its shared groups when the connection ends; a persistent one stays offline [SHARE-MEMBERSHIP-LIFECYCLE]. */
  close(): void {
    this.host.sharedDetach(this.gate)
    this.filters.clear()
  }
}
