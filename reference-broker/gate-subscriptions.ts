import type { WireGate } from './wire-gate.js'
import type { Logger } from './logger.js'
import type { Profile } from './profile.js'
import { encode, type FrameDecoder } from './mqtt-codec.js'
import { RC, SUBACK_FAILURE_311 } from './reason-codes.js'
import { parseShared, topicFilterProblem } from './topic-rules.js'

/** Shared subscriptions live in the broker, not in aedes (aedes 2.0.0-beta.1 defect 5). */
export interface SharedSubscriptionHost {
  readonly profile: Profile
  readonly log: Logger
  /** Deliberate faults (deviations) switched on for this broker; empty in normal use. */
  readonly faults: ReadonlySet<string>
  sharedSubscribe(gate: WireGate, group: string, filter: string, qos: number): void
  sharedUnsubscribe(gate: WireGate, group: string, filter: string): void
  /** The connection ended: its clean-session memberships end, a persistent session's stay offline. */
  sharedDetach(gate: WireGate): void
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
export class GateSubscriptions {
  /** Active filters on this connection [SUB-MAX-50-PER-CONNECTION]. */
  private readonly filters = new Set<string>()
  private readonly pendingSub = new Map<number, Pending>()
  private readonly pendingUnsub = new Map<number, Pending>()

  constructor(private readonly gate: WireGate, private readonly host: SharedSubscriptionHost) {}

  private failure(v5code: number): number {
    return this.gate.version === 5 ? v5code : SUBACK_FAILURE_311
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
      return gate.writeOut(encode({ cmd: 'suback', messageId, granted: subs.map(() => this.failure(RC.QUOTA_EXCEEDED)) }, gate.version))
    }
    const codes: (number | undefined)[] = new Array(subs.length)
    const forwarded: number[] = []
    let changed = false
    for (let i = 0; i < subs.length; i++) {
      const s = subs[i]!
      const faults = this.host.faults
      if (faults.size > 0) {
        // Deviations: filters folded to lower case [TOPIC-CASE-SENSITIVE]; a trailing `+` matching any
        // depth [TOPIC-PLUS-ONE-LEVEL]; a persistent session's QoS 0 subscriptions kept as QoS 1, so
        // QoS 1 messages are stored for them while offline [PERSISTED-QOS-IS-MIN].
        const before = { topic: s.topic, qos: s.qos }
        if (faults.has('filter-case-folded')) s.topic = s.topic.toLowerCase()
        if (faults.has('trailing-plus-multi-level') && s.topic.endsWith('/+')) s.topic = s.topic.slice(0, -1) + '#'
        if (faults.has('subscription-qos-raised') && s.qos === 0 && !gate.cleanStart) s.qos = 1
        if (s.topic !== before.topic || s.qos !== before.qos) changed = true
        // `resubscribe-retained-withheld`: a replaced MQTT 5 subscription is sent as Retain Handling 2 [MQTT5-3.8.4-4].
        if (faults.has('resubscribe-retained-withheld') && gate.version === 5 && this.filters.has(s.topic)) { (s as { rh?: number }).rh = 2; changed = true }
        // `subscription-options-ignored`: No Local, Retain As Published and Retain Handling dropped [MQTT5-3.8.3-3].
        if (faults.has('subscription-options-ignored')) {
          const o = s as { nl?: boolean; rap?: boolean; rh?: number }
          if (o.nl || o.rap || o.rh) { o.nl = false; o.rap = false; o.rh = 0; changed = true }
        }
      }
      if (s.qos === 2) {
        const reaction = gate.version === 5 ? m.qos2.mqtt5Subscribe : m.qos2.mqtt311
        if (reaction === 'downgrade') {
          s.qos = 1 // [QOS2-V5-MAXIMUM-QOS] granted QoS 1 (contradiction C13, profile choice)
          changed = true
        } else if (reaction !== 'support') {
          // [QOS2-NO-ACK] no SUBACK; the connection is closed.
          return gate.version === 5 ? gate.violation(RC.QOS_NOT_SUPPORTED, 'qos2-subscribe') : gate.closeNow('qos2-subscribe')
        }
      }
      // The `resubscribe-ignored` deviation acknowledges a SUBSCRIBE to a filter the connection holds but keeps the old subscription [MQTT5-3.8.4-3].
      if (this.filters.has(s.topic) && this.host.faults.has('resubscribe-ignored')) {
        codes[i] = Math.min(s.qos, m.maximumQoS)
        changed = true
        continue
      }
      const shared = parseShared(s.topic)
      // The `share-prefix-counted` deviation counts the slashes of `$share/{name}/` against the quota [SHARE-SYNTAX].
      const problem = shared && this.host.faults.has('share-prefix-counted') && s.topic.split('/').length - 1 > m.topicMaxSlashes
        ? 'topic filter has too many slashes'
        : topicFilterProblem(s.topic, m, m.reservedTopicsSubscribeAllowed)
      let code: number | undefined
      if (problem) code = this.failure(RC.TOPIC_FILTER_INVALID)
      else if (shared && !m.sharedSubscriptionsAvailable) code = this.failure(0x9e)
      // The `shared-v5-only` deviation refuses shared subscriptions from MQTT 3.1.1 clients [SHARE-BOTH-VERSIONS].
      else if (shared && gate.version !== 5 && this.host.faults.has('shared-v5-only')) code = this.failure(0x9e)
      else if (!m.wildcardSubscriptionAvailable && /[+#]/.test(s.topic)) code = this.failure(0xa2)
      else if (!this.filters.has(s.topic) && this.filters.size >= m.subscriptionsPerConnection) code = this.failure(RC.QUOTA_EXCEEDED)
      if (code !== undefined) {
        this.host.log.info({ event: 'rejected', clientId: gate.clientId, reason: 'subscribe-refused', filter: s.topic, code, detail: problem ?? undefined })
        codes[i] = code
        changed = true
        continue
      }
      this.filters.add(s.topic)
      if (shared) {
        const granted = Math.min(s.qos, m.maximumQoS)
        this.host.sharedSubscribe(gate, shared.group, shared.filter, granted)
        codes[i] = granted
        changed = true
        continue
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
    // The `unsubscribe-ignored` deviation acknowledges the UNSUBSCRIBE of non-shared filters but aedes keeps them [MQTT5-3.10.4-2].
    if (this.host.faults.has('unsubscribe-ignored') && !topics.some((t) => parseShared(t))) {
      for (const t of topics) this.filters.delete(t)
      const ack: Record<string, unknown> = { cmd: 'unsuback', messageId }
      if (gate.version === 5) ack.granted = topics.map(() => RC.SUCCESS)
      return gate.writeOut(encode(ack, gate.version))
    }
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

  /**
   * The `problem-info-ignored` deviation adds a Reason String to a failing MQTT 5 SUBACK whatever the client asked [M5-REQUEST-PROBLEM-INFO];
   * `suback-codes-reversed` lists the codes of a fully granted SUBACK in reverse filter order [MQTT5-3.9.3-1].
   */
  private encodeSuback(ack: Record<string, unknown>): Buffer {
    const granted = ack.granted as number[]
    if (this.host.faults.has('suback-codes-reversed') && granted.every((c) => c < 0x80)) ack = { ...ack, granted: granted.slice().reverse() }
    const failed = (ack.granted as number[]).some((c) => c >= 0x80)
    if (failed && this.gate.version === 5 && this.host.faults.has('problem-info-ignored')) ack = { ...ack, properties: { reasonString: 'SUBACK: a topic filter was refused' } }
    return encode(ack, this.gate.version)
  }

  /** A clean-session member leaves its shared groups when the connection ends; a persistent one stays offline [SHARE-MEMBERSHIP-LIFECYCLE]. */
  close(): void {
    this.host.sharedDetach(this.gate)
    this.filters.clear()
  }
}
