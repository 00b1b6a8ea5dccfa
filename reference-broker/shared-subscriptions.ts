import type { Aedes } from 'aedes'
import type { WireGate } from './wire-gate.js'
import { matches } from './topic-rules.js'
import { ownCopyProperties } from './subscription-identifiers.js'

export interface SharedMessage {
  topic: string
  payload: Buffer
  qos: number
  properties?: Record<string, unknown>
}

export interface Member {
  clientId: string
  /** The member's live connection; null while a persistent-session member is offline. */
  gate: WireGate | null
  qos: number
  /** The Subscription Identifier of the member's subscription, if it has one. */
  identifier?: number
}

export interface Queued {
  message: SharedMessage
  /** When it was queued (ms since the epoch). */
  at: number
}

/** A message as aedes hands it to a group's handler. */
export interface RoutedPacket {
  topic: string
  payload: Buffer
  qos: number
  properties?: Record<string, unknown>
}

export interface Group {
  key: string
  filter: string
  /** By client id: a membership belongs to the session, not to one connection. */
  members: Map<string, Member>
  handler: (packet: any, cb: () => void) => void
  /** QoS 1 messages waiting for a member to be online [SHARE-QUEUE]. */
  queue: Queued[]
  timer: NodeJS.Timeout | null
  /**
   * When the next queued message is due at the group's rate (a theoretical
   * arrival time): a release that fires late does not push every later one
   * back, so an event loop that runs timers late still releases at the rate.
   */
  nextReleaseAt: number
  /** Queued messages released so far: the next goes to the member after the last one's [SHARE-QUEUE]. */
  released: number
}

/** What the registry needs to hand a message to one member. */
export interface MemberDelivery {
  deliver(gate: WireGate, message: SharedMessage): void
}

export interface SharedSubscriptionsOptions {
  hashMatchesParent: boolean
  /** QoS 1 messages kept per group while no member is online; newer ones are dropped above it. */
  queueMaximumPerGroup: number
  /** Queued messages released per second per online member; 0 = at once. */
  dequeueRatePerSecond: number
  /** How long a queued message without Message Expiry is kept: the persistent-session expiry. */
  retentionSeconds: number
  /** Whether the session of this client id outlives its connection (a persistent session). */
  isPersistent(clientId: string): boolean
  onDrop?(reason: string, group: string, topic: string): void
}

/**
 * `$share/{group}/{filter}` subscriptions, kept by the broker because aedes refuses
 * them (aedes defect 5, docs/aedes-defects.md): each message on a matching topic
 * goes to exactly one connected member of each group, chosen at random
 * [SHARE-ONE-PER-GROUP] [SHARE-MULTI-GROUP-COPIES]; members never get retained
 * messages on subscribe [RET-SHARED-NO-RETAINED].
 *
 * Membership belongs to the session [SHARE-MEMBERSHIP-LIFECYCLE]: a clean
 * session's member leaves when its connection ends; a persistent session's
 * member stays as an offline member until it unsubscribes or its session ends.
 * While no member is online, a group with an offline member queues QoS 1
 * messages [SHARE-QUEUE] (QoS 0 is dropped [SHARE-QOS0-DROP]), up to
 * `queueMaximumPerGroup` (newer messages are dropped [SHARE-QUEUE-LIMIT-DROP-NEW]),
 * each for its Message Expiry Interval or else the session expiry
 * [SHARE-QUEUE-MEI]; they are released to the online members at
 * `dequeueRatePerSecond` per member, with the remaining expiry interval.
 *
 * Faults (faults/shared-faults.ts) decorate the rule methods `keepsOfflineMember`,
 * `leaveOldSession`, `endSession`, `routeMatched`, `recipients`, `isQueued`, `deliveryQos`, `releaseInterval` and `withRemainingExpiry`.
 */
export class SharedSubscriptions {
  private readonly groups = new Map<string, Group>()
  /** Connections aedes has finished setting up (stored messages written): only they get shared messages. */
  private readonly ready = new WeakSet<WireGate>()
  private closed = false

  constructor(private readonly aedes: Aedes, private readonly opts: SharedSubscriptionsOptions, private readonly delivery: MemberDelivery) {}

  subscribe(gate: WireGate, group: string, filter: string, qos: number, identifier?: number): void {
    const key = `${group}\u0000${filter}`
    let g = this.groups.get(key)
    if (!g) {
      const created: Group = { key, filter, members: new Map(), handler: (packet, cb) => { this.route(created, packet); cb() }, queue: [], timer: null, nextReleaseAt: 0, released: 0 }
      g = created
      this.groups.set(key, g)
      this.aedes.subscribe(filter, g.handler, () => {})
    }
    g.members.set(gate.clientId!, { clientId: gate.clientId!, gate, qos, identifier })
    this.scheduleRelease(g) // a member joining takes queued messages [SHARE-QUEUE]
  }

  unsubscribe(gate: WireGate, group: string, filter: string): void {
    const g = this.groups.get(`${group}\u0000${filter}`)
    if (!g) return
    g.members.delete(gate.clientId!)
    this.dropIfEmpty(g)
  }

  /** A connection ended: its clean-session memberships end; a persistent session's members stay, offline. */
  detach(gate: WireGate): void {
    if (gate.clientId === null) return
    const keep = this.keepsOfflineMember(gate.clientId)
    for (const g of [...this.groups.values()]) {
      const m = g.members.get(gate.clientId)
      if (!m || m.gate !== gate) continue
      if (keep) m.gate = null
      else {
        g.members.delete(gate.clientId)
        this.dropIfEmpty(g)
      }
    }
  }

  /** Whether a client id's memberships outlive its connection: only a persistent session's do [SHARE-MEMBERSHIP-LIFECYCLE]. */
  keepsOfflineMember(clientId: string): boolean {
    return this.opts.isPersistent(clientId)
  }

  /**
   * A connection of a client id is up. A session started afresh (Clean Start,
   * 3.1.1 clean session) ends the old session's memberships; a resumed one takes
   * them back.
   */
  connected(gate: WireGate, freshSession: boolean): void {
    // A fresh session has no stored messages for aedes to write, so it takes shared messages at once.
    if (freshSession) {
      this.ready.add(gate)
      this.leaveOldSession(gate)
    } else this.attach(gate)
  }

  /** A connection started a new session: the old session's memberships end [SHARE-MEMBERSHIP-LIFECYCLE]. */
  leaveOldSession(gate: WireGate): void {
    this.endSession(gate.clientId!)
  }

  /** A connection resumed its session: its offline memberships are online again (once ready). */
  attach(gate: WireGate): void {
    for (const g of this.groups.values()) {
      const m = g.members.get(gate.clientId!)
      if (m) m.gate = gate
    }
  }

  /** The shared filters (`$share/{group}/{filter}`) a client id is a member of, online or offline. */
  memberships(clientId: string): string[] {
    const held: string[] = []
    for (const g of this.groups.values()) if (g.members.has(clientId)) held.push(`$share/${g.key.replace('\u0000', '/')}`)
    return held
  }

  /**
   * aedes has written the session's stored messages after the CONNACK: from now on
   * the connection takes shared messages, queued ones first. (Sooner, a message
   * aedes stores for it could be written twice: once live, once from the store.)
   */
  markReady(gate: WireGate): void {
    this.ready.add(gate)
    for (const g of this.groups.values()) if (g.members.get(gate.clientId!)?.gate === gate) this.scheduleRelease(g)
  }

  /** The session of a client id ended (expiry, clean start, DeleteConnection): it leaves every group. */
  /**
   * A member's session ended: it leaves its groups, and what was sent to it goes to no other
   * member (it ends with the session) [MQTT5-4.8.2-5].
   */
  endSession(clientId: string): void {
    for (const g of [...this.groups.values()]) {
      if (!g.members.delete(clientId)) continue
      this.dropIfEmpty(g)
    }
  }

  /** Stops the release timers (broker shutdown). */
  close(): void {
    this.closed = true
    for (const g of this.groups.values()) if (g.timer) clearTimeout(g.timer)
  }

  get groupCount(): number {
    return this.groups.size
  }

  /** Messages waiting in a group's queue (tests). */
  queuedCount(group: string, filter: string): number {
    return this.groups.get(`${group}\u0000${filter}`)?.queue.length ?? 0
  }

  private dropIfEmpty(g: Group): void {
    if (g.members.size > 0) return
    this.groups.delete(g.key)
    if (g.timer) clearTimeout(g.timer)
    g.timer = null
    this.aedes.unsubscribe(g.filter, g.handler, () => {})
  }

  private online(g: Group): Member[] {
    return [...g.members.values()].filter((m) => m.gate !== null && m.gate.state === 'connected' && this.ready.has(m.gate))
  }

  private route(group: Group, packet: RoutedPacket): void {
    if (packet.topic.startsWith('$SYS')) return
    if (!matches(group.filter, packet.topic, this.opts.hashMatchesParent)) return
    this.routeMatched(group, packet)
  }

  /** A message matching the group's filter goes to one online member, or to the queue. */
  routeMatched(group: Group, packet: RoutedPacket): void {
    const message: SharedMessage = { topic: packet.topic, payload: packet.payload, qos: packet.qos, properties: packet.properties }
    const online = this.online(group)
    // QoS 1 waits behind messages still queued, so the queue keeps its order.
    if (online.length === 0 || (group.queue.length > 0 && message.qos > 0)) return this.enqueue(group, message)
    for (const member of this.recipients(online)) this.send(member, message)
  }

  /** One online member, chosen at random, gets a message [SHARE-ONE-PER-GROUP]. */
  recipients(online: Member[]): Member[] {
    return [online[Math.floor(Math.random() * online.length)]!]
  }

  /** Whether a message is queued for a group with nobody online: QoS 0 is not [SHARE-QOS0-DROP]. */
  isQueued(message: SharedMessage): boolean {
    return message.qos > 0
  }

  /** A member gets a message at most at the QoS it subscribed with [MQTT5-4.8.2-3]. */
  deliveryQos(member: Member, message: SharedMessage): number {
    return Math.min(message.qos, member.qos)
  }

  private send(member: Member, message: SharedMessage): void {
    // A copy of its own, with the member's Subscription Identifier only [MQTT5-3.3.4-5].
    this.delivery.deliver(member.gate!, { ...message, qos: this.deliveryQos(member, message), properties: ownCopyProperties(message.properties, member.identifier) })
  }

  /** Only persistent sessions' members stay in a group while offline, so a group with nobody online queues. */
  private enqueue(group: Group, message: SharedMessage): void {
    // [SHARE-QOS0-DROP] QoS 0 is never queued.
    if (!this.isQueued(message)) return this.drop('qos0-not-queued', group, message)
    // [SHARE-QUEUE-LIMIT-DROP-NEW] above the limit the new message is dropped, the queued ones kept.
    if (group.queue.length >= this.opts.queueMaximumPerGroup) return this.drop('queue-full', group, message)
    group.queue.push({ message, at: Date.now() })
    this.scheduleRelease(group)
  }

  private drop(reason: string, group: Group, message: SharedMessage): void {
    this.opts.onDrop?.(reason, group.key.split('\u0000')[0]!, message.topic)
  }

  private scheduleRelease(group: Group): void {
    if (this.closed || group.timer || group.queue.length === 0) return
    const online = this.online(group).length
    if (online === 0) return
    // A late timer may be made up by at most one release per other online member, so that
    // no member gets more than one message over its rate in any second [SHARE-QUEUE].
    const earlyBy = this.releaseInterval(online) * (online - 1)
    const wait = Math.max(0, group.nextReleaseAt - earlyBy - Date.now())
    group.timer = setTimeout(() => {
      group.timer = null
      this.releaseOne(group)
    }, wait)
    group.timer.unref()
  }

  /** Milliseconds between two released messages: `dequeueRatePerSecond` per online member, so the group's rate grows with its members [SHARE-QUEUE]. */
  releaseInterval(online: number): number {
    const rate = this.opts.dequeueRatePerSecond
    return rate > 0 ? 1000 / (rate * online) : 0
  }

  /**
   * Sends the oldest unexpired queued message to the next online member in
   * turn, so that each member gets at most `dequeueRatePerSecond` of the
   * group's `dequeueRatePerSecond` × members [SHARE-QUEUE] (a random choice
   * could give one member more than its 20 in a second).
   */
  private releaseOne(group: Group): void {
    if (this.closed || !this.groups.has(group.key)) return
    const online = this.online(group)
    if (online.length === 0) return
    const now = Date.now()
    while (group.queue.length > 0) {
      const item = group.queue.shift()!
      const message = this.withRemainingExpiry(item, now)
      if (!message) {
        this.drop('expired', group, item.message)
        continue
      }
      group.nextReleaseAt = Math.max(group.nextReleaseAt, now) + this.releaseInterval(online.length)
      this.send(online[group.released++ % online.length]!, message)
      break
    }
    this.scheduleRelease(group)
  }

  /**
   * A queued message keeps its Message Expiry Interval, which takes precedence
   * over the session expiry [SHARE-QUEUE-MEI] [MEI-OVERRIDES-RETENTION]; it is
   * delivered with what is left of it, or not at all once it has run out.
   */
  withRemainingExpiry(item: Queued, now: number): SharedMessage | null {
    const mei = item.message.properties?.messageExpiryInterval as number | undefined
    if (mei === undefined) return this.withinRetention(item, now)
    const age = now - item.at
    const leftMs = mei * 1000 - age
    if (leftMs <= 0) return null
    return { ...item.message, properties: { ...item.message.properties, messageExpiryInterval: Math.floor(leftMs / 1000) } }
  }

  /** A queued message without Message Expiry is kept for the persistent-session expiry. */
  withinRetention(item: Queued, now: number): SharedMessage | null {
    return now - item.at > this.opts.retentionSeconds * 1000 ? null : item.message
  }
}
