import { Readable, type Duplex } from 'node:stream'
import { Aedes, type AedesOptions, type Client as AedesClient } from 'aedes'
import { createRequire } from 'node:module'
import type { Logger } from './logger.js'
import type { Profile } from './profile.js'
import type { ProtocolVersion } from './mqtt-codec.js'
import { WireGate, type GateHost, type GateInfo } from './wire-gate.js'
import { SharedSubscriptions } from './shared-subscriptions.js'
import { isExactFilter, matches } from './topic-rules.js'
import { publishLifecycleEvent } from './lifecycle-events.js'

type AnyClient = AedesClient & Record<string | symbol, any>

/** Set on an aedes client whose session ends with its connection, whatever aedes was told (see endSessionNow). */
const END_AT_CLOSE = Symbol('endAtClose')

// aedes-persistence is CommonJS with a default-export typing that does not match its module.exports.
const memoryPersistence = createRequire(import.meta.url)('aedes-persistence') as () => Record<string, any>

/**
 * aedes with the session rules AWS documents: a 3.1.1 persistent session
 * expires like an MQTT 5 one (1 hour by default) [PS-EXPIRY-DEFAULT-1H]; aedes
 * 2.0.0-beta.1 only expires MQTT 5 sessions.
 */
class SessionAedes extends Aedes {
  declare clampSessionExpiry: (interval: number) => number
  onSessionGone: (clientId: string) => void = () => {}
  /** Deliberate faults (deviations.ts) aedes itself must apply; empty in normal use. */
  faults: ReadonlySet<string> = new Set()

  scheduleSessionExpiry(client: AnyClient): void {
    const self = this as unknown as { closed: boolean; _takingOver: Set<string> }
    if (self.closed || self._takingOver.has(client.id)) return
    // Marked by endSessionNow on this connection's own aedes client, never by client id: a mark
    // by id outlived its connection and ended the next session of the id [PS-SEI-DEFAULT-ZERO].
    if (client[END_AT_CLOSE] === true) client.sessionExpiryInterval = 0
    // aedes arms a timer from this value and throws (outside any handler) on a non-number. The gate
    // refuses the packets that could carry one (packet-shape.ts); a session without a valid interval
    // ends with its connection rather than take the process down.
    const sei = client.sessionExpiryInterval as unknown
    if (typeof sei !== 'number' || !Number.isFinite(sei) || sei < 0) client.sessionExpiryInterval = 0
    if (client.sessionExpiryInterval === 0) this.onSessionGone(client.id)
    else {
      // The `session-never-expires` deviation keeps every persistent session [PS-EXPIRED-NEW-SESSION].
      if (this.faults.has('session-never-expires')) return
      // The `offline-queue-off` deviation also forgets the messages in flight to it [PS-STORE-QOS1].
      if (this.faults.has('offline-queue-off')) void forgetInflight((this as unknown as { persistence: Record<string, any> }).persistence, client.id)
    }
    const version = client.version
    client.version = 5
    try {
      (Aedes.prototype as unknown as { scheduleSessionExpiry: (c: AnyClient) => void }).scheduleSessionExpiry.call(this, client)
    } finally {
      client.version = version
    }
  }

  /**
   * MQTT 5 Will Delay [MQTT-3.1.3-9]: aedes times the Will by min(Will Delay Interval, Session
   * Expiry) and cancels it when the client id connects again. A connection that starts a new
   * session (Clean Start 1) ends the old one, and a Will is due at the latest when its session
   * ends: it goes out then, not never.
   */
  private readonly delayedWill = new Map<string, { client: AnyClient; will: Record<string, any> }>()

  scheduleWill(client: AnyClient, will: Record<string, any>, delaySeconds: number): void {
    // Kept during a takeover too (aedes drops it then): the new connection decides in _finishRegisterClient.
    if (!(this as unknown as { closed: boolean }).closed) this.delayedWill.set(client.id, { client, will })
    ;(Aedes.prototype as unknown as { scheduleWill: (c: AnyClient, w: unknown, d: number) => void }).scheduleWill.call(this, client, will, delaySeconds)    // The `will-delay-not-cancelled` deviation: a reconnect within the delay does not cancel the Will,
    // it goes out when the delay passes (aedes' own timer skips an id that is connected again) [MQTT5-3.1.3-9].
    if (this.faults.has('will-delay-not-cancelled')) {
      const clients = (this as unknown as { clients: Record<string, AnyClient> }).clients
      setTimeout(() => { if (clients[client.id]) this.publishWill(client, will) }, delaySeconds * 1000).unref()
    }
  }

  /** aedes 2.0.0-beta.1 defect 1: it would publish the Will Delay Interval as a PUBLISH property. */
  publishWill(client: AnyClient, will: Record<string, any>): void {
    if (this.delayedWill.get(client.id)?.client === client) this.delayedWill.delete(client.id)
    let packet = will
    if (will.properties?.willDelayInterval !== undefined) {
      const { willDelayInterval: _delay, ...properties } = will.properties as Record<string, unknown>
      packet = { ...will, properties }
    }
    ;(Aedes.prototype as unknown as { publishWill: (c: AnyClient, w: unknown) => void }).publishWill.call(this, client, packet)
  }

  _finishRegisterClient(client: AnyClient): void {
    const pending = this.delayedWill.get(client.id)
    this.delayedWill.delete(client.id)
    ;(Aedes.prototype as unknown as { _finishRegisterClient: (c: AnyClient) => void })._finishRegisterClient.call(this, client)
    const newSession = client.version === 5 ? client._cleanStart === true : client.clean !== false
    if (pending && newSession) this.publishWill(pending.client, pending.will)
  }

  registerClient(client: AnyClient): void {
    // [PS-NO-CROSS-VERSION] The gate turned a 3.1.1 cleanSession 0 into 1 so that aedes discards the
    // other version's session; the session it starts is still persistent, as the client asked.
    const gate = (client.conn as { gate?: WireGate } | undefined)?.gate
    if (gate && gate.version !== 5 && !gate.cleanStart && client.clean === true) {
      client.clean = false
      client.sessionExpiryInterval = this.clampSessionExpiry(0xffffffff)
    }
    // The `will-not-on-takeover` deviation: the displaced connection's Will is dropped [LWT-ON-TAKEOVER].
    const old = (this as unknown as { clients: Record<string, AnyClient> }).clients[client.id]
    if (old && this.faults.has('will-not-on-takeover')) old.will = old._will = null
    ;(Aedes.prototype as unknown as { registerClient: (c: AnyClient) => void }).registerClient.call(this, client)
  }
}

/**
 * A message matching several of one client's subscriptions goes out once, at the highest QoS
 * they grant [MQTT-3.3.5-1] [PERSISTED-QOS-IS-MIN]. aedes 2.0.0-beta.1 sends the copy of whichever
 * subscription it calls first (dropping the others as duplicates), so a QoS 0 filter next to a
 * QoS 1 one could deliver a QoS 1 message at QoS 0 and clear its stored copy: lost when the
 * connection dropped. Its QoS 1 path also lowers the QoS to that of a filter equal to the topic,
 * if there is one. Found by the model-based session test.
 */
function deliverAtHighestQos(client: AnyClient, hashMatchesParent: boolean): void {
  type Packet = { qos: number; topic: string; brokerId?: unknown; clientId?: string }
  const subscriptions = () => client.subscriptions as Record<string, { qos?: number; nl?: boolean }>
  const highest = (packet: Packet): number => {
    let qos = 0
    for (const [filter, sub] of Object.entries(subscriptions())) {
      // A No Local subscription does not deliver the client's own messages.
      if ((sub.qos ?? 0) > qos && !(sub.nl && packet.clientId === client.id) && matches(filter, packet.topic, hashMatchesParent)) qos = sub.qos ?? 0
    }
    return qos
  }
  type Deliver = (packet: Packet, cb: () => void) => void
  const deliver0 = client.deliver0 as Deliver
  const deliverQoS = client.deliverQoS as Deliver
  client.deliver0 = ((packet, cb) => {
    // The QoS 1 subscription's delivery sends it.
    if (packet.qos > 0 && highest(packet) > 0) return setImmediate(cb)
    deliver0(packet, cb)
  }) as Deliver
  client.deliverQoS = ((packet, cb) => {
    const subs = subscriptions()
    const exact = subs[packet.topic]
    // (A retained message sent on SUBSCRIBE, brokerId null, is for that one subscription: left alone.)
    const best = packet.qos > 0 && packet.brokerId !== null && exact !== undefined && (exact.qos ?? 0) < packet.qos ? highest(packet) : 0
    if (best <= (exact?.qos ?? 0)) return deliverQoS(packet, cb)
    // aedes reads the exact filter's QoS in its next turn (setImmediate): show it the highest for that turn.
    const raised = Object.assign(Object.create(Object.getPrototypeOf(exact)), exact, { qos: best })
    subs[packet.topic] = raised
    deliverQoS(packet, cb)
    setImmediate(() => { if (subs[packet.topic] === raised) subs[packet.topic] = exact! })
  }) as Deliver
}

/** Removes the QoS 1 messages sent to a client and not yet acknowledged from its stored session. */
async function forgetInflight(persistence: Record<string, any>, clientId: string): Promise<void> {
  const client = { id: clientId }
  for await (const packet of persistence.outgoingStream(client) as AsyncIterable<{ messageId?: number }>) {
    if (packet.messageId !== undefined) await persistence.outgoingClearMessageId(client, packet)
  }
}

/** The MQTT side of the reference broker: aedes behind one WireGate per connection. */
export class AwsBroker implements GateHost {
  readonly aedes: SessionAedes
  readonly shared: SharedSubscriptions
  private readonly gatesByClientId = new Map<string, WireGate>()
  private readonly gates = new Set<WireGate>()
  private readonly lastConnect = new Map<string, number>()
  private readonly sessions = new Map<string, ProtocolVersion>()
  private readonly aedesClientOf = new WeakMap<WireGate, AnyClient>()
  private readonly lifecycleVersion = new Map<string, number>()
  private readonly gateLifecycleVersion = new WeakMap<WireGate, number>()

  private constructor(readonly profile: Profile, readonly log: Logger, aedes: SessionAedes, readonly faults: ReadonlySet<string>, private readonly retained: ReadonlySet<string>) {
    this.aedes = aedes
    aedes.faults = faults
    aedes.onSessionGone = (id) => this.sessionEnded(id)
    aedes.on('sessionExpired', (client: AnyClient) => this.sessionEnded(client.id))
    aedes.on('clientReady', (client: AnyClient) => {
      const gate = (client.conn as { gate?: WireGate }).gate
      gate?.onClientReady()
      if (gate) this.shared.markReady(gate)
    })
    this.shared = new SharedSubscriptions(aedes, {
      hashMatchesParent: profile.mqtt.hashMatchesParent,
      queueMaximumPerGroup: profile.sharedSubscriptions.queueMaximumPerGroup,
      dequeueRatePerSecond: profile.sharedSubscriptions.dequeueRatePerSecond,
      retentionSeconds: profile.sessions.expirySeconds,
      isPersistent: (clientId) => this.sessions.has(clientId),
      faults,
      onDrop: (reason, group, topic) => log.info({ event: 'shared-drop', reason, group, topic }),
    }, {
      deliver: (gate, message) => this.aedesClientOf.get(gate)?.publish({ cmd: 'publish', retain: false, dup: false, ...message } as never, () => {}),
    })
  }

  static async create(profile: Profile, log: Logger, faults: ReadonlySet<string> = new Set()): Promise<AwsBroker> {
    const persistence = exactMatchRetained(memoryPersistence(), profile, faults)
    clearIncomingWithSession(persistence)
    const retained = trackRetained(persistence, faults)
    // The `expiry-not-decremented` deviation queues messages without their absolute expiry, so
    // aedes neither drops expired ones nor lowers the interval (the shaper keeps it too).
    if (faults.has('mei-not-decremented')) {
      const enqueue = persistence.outgoingEnqueueCombi.bind(persistence) as (subs: unknown, packet: Record<string, unknown>, cb?: unknown) => unknown
      persistence.outgoingEnqueueCombi = (subs: unknown, packet: Record<string, unknown>, cb?: unknown) => {
        const { messageExpiry: _dropped, ...rest } = packet
        return enqueue(subs, rest, cb)
      }
    }
    let self: AwsBroker | null = null
    // The `offline-queue-off` deviation keeps no message for a persistent session while it is offline [PS-STORE-QOS1].
    if (faults.has('offline-queue-off')) {
      const enqueue = persistence.outgoingEnqueueCombi.bind(persistence) as (subs: { clientId: string }[], packet: unknown, cb?: unknown) => unknown
      persistence.outgoingEnqueueCombi = (subs: { clientId: string }[], packet: unknown, cb?: unknown) =>
        enqueue(subs.filter((sub) => self?.connection(sub.clientId) !== undefined), packet, cb)
    }
    const options: AedesOptions & Record<string, unknown> = {
      persistence: persistence as never,
      // The gate enforces the profile's limit; aedes must accept what the gate lets through.
      topicAliasMaximum: profile.mqtt.topicAliasMaximum + (faults.has('alias-accepts-one-more') ? 1 : 0),
      maxClientsIdLength: profile.mqtt.clientIdMaxBytes,
      sessionExpiryIntervalLimit: profile.sessions.expirySeconds,
      connectTimeout: profile.server.connectTimeoutMs,
      // The gate never applies backpressure to aedes, so no client waits on another's drain.
      drainTimeout: 0,
      queueLimit: 200,
      authorizeForward: (client: AnyClient, packet: any) => self ? self.authorizeForward(client, packet) : packet,
    }
    const aedes = new SessionAedes(options)
    await aedes.listen()
    self = new AwsBroker(profile, log, aedes, faults, retained)
    // aedes gives a stored message a packet id (outgoingUpdate) just before sending it: tell the
    // gate its absolute expiry, so the remaining interval is exact [MEI-REMAINING] [MEI-ZERO-ROUNDING].
    const update = persistence.outgoingUpdate.bind(persistence) as (client: { id: string }, packet: Record<string, any>, cb?: unknown) => unknown
    persistence.outgoingUpdate = (client: { id: string }, packet: Record<string, any>, cb?: unknown) => {
      if (typeof packet.messageExpiry === 'number' && packet.messageId !== undefined) self?.connection(client.id)?.noteExpiry(packet.messageId, packet.messageExpiry)
      return update(client, packet, cb)
    }
    return self
  }

  /** Accepts one client connection (TCP, TLS or WebSocket stream). */
  accept(socket: Duplex, info: GateInfo): WireGate | null {
    try {
      const gate = new WireGate(socket, this, info)
      ;(gate.aedesSide as Duplex & { gate?: WireGate }).gate = gate
      const client = this.aedes.handle(gate.aedesSide as never, undefined as never) as unknown as AnyClient
      deliverAtHighestQos(client, this.profile.mqtt.hashMatchesParent)
      this.aedesClientOf.set(gate, client)
      this.gates.add(gate)
      return gate
    } catch (err) {
      // A connection that cannot be set up is closed; the listener keeps accepting.
      this.log.error({ event: 'rejected', reason: 'internal-error', where: 'accept', detail: (err as Error).message, ...info })
      socket.destroy()
      return null
    }
  }

  /** [TOPIC-HASH-NO-PARENT] `a/#` must not deliver `a` when the profile says so. */
  private authorizeForward(client: AnyClient, packet: { topic: string; qos?: number; retain?: boolean; clientId?: string }): unknown {
    // A QoS 0 message for a reader over its slow-consumer limit is dropped here, before aedes
    // builds and writes a packet for it: with many stalled readers that work would cost the rest.
    if (packet.qos === 0 && (client.conn as { gate?: WireGate }).gate?.dropsQos0ForSlowReader()) return null
    // The `cross-version-isolated` deviation: MQTT 3.1.1 and MQTT 5 clients do not hear each other [M5-CROSS-VERSION].
    if (this.faults.has('cross-version-isolated') && packet.clientId !== undefined) {
      const from = this.gatesByClientId.get(packet.clientId)
      if (from && (from.version === 5) !== (client.version === 5)) return null
    }
    // The `retain-flag-on-live` deviation sets RETAIN on live messages of a topic with a retained message [RET-FLAG-ON-DELIVERY].
    if (!packet.retain && this.faults.has('retain-flag-on-live') && this.retained.has(packet.topic)) packet = { ...packet, retain: true }
    if (this.profile.mqtt.hashMatchesParent) return packet
    const subs = client.subscriptions as Record<string, unknown>
    let parentOnly = false
    for (const filter in subs) {
      if (matches(filter, packet.topic, false)) return packet
      if (filter.endsWith('/#') && filter.slice(0, -2) === packet.topic) parentOnly = true
    }
    return parentOnly ? null : packet
  }

  // ---- GateHost ----------------------------------------------------------------------------

  connectAllowed(clientId: string): boolean {
    // The `takeover-refused` deviation: a connected client's id cannot be taken over [CID-TAKEOVER].
    if (this.faults.has('takeover-refused') && this.connection(clientId)) return false
    const limit = this.profile.mqtt.connectsPerSecondPerClientId
    if (limit === 0) return true
    const now = Date.now()
    const last = this.lastConnect.get(clientId)
    if (last !== undefined && now - last < 1000 / limit) return false
    if (this.lastConnect.size > 10_000) {
      for (const [id, at] of this.lastConnect) if (now - at > 1000) this.lastConnect.delete(id)
    }
    this.lastConnect.set(clientId, now)
    return true
  }

  sessionVersion(clientId: string): ProtocolVersion | undefined {
    return this.sessions.get(clientId)
  }

  onConnected(gate: WireGate): void {
    const id = gate.clientId!
    const prev = this.gatesByClientId.get(id)
    if (prev && prev !== gate) prev.markTakenOver() // [CID-TAKEOVER]
    this.gatesByClientId.set(id, gate)
    const client = this.aedesClientOf.get(gate)
    if (client && client.clean === false) this.sessions.set(id, gate.version)
    else this.sessions.delete(id)
    // The `subscriptions-not-restored` deviation: a resumed session says Session Present 1 but has lost
    // its subscriptions (its stored messages are still replayed) [PS-SESSION-PRESENT].
    if (client && gate.sessionResumed && this.faults.has('subscriptions-not-restored')) {
      for (const [filter, sub] of Object.entries(client.subscriptions as Record<string, { func: unknown }>)) {
        this.aedes.unsubscribe(filter, sub.func as never, () => {})
        delete (client.subscriptions as Record<string, unknown>)[filter]
      }
    }
    // A session started afresh (Clean Start, 3.1.1 clean session, no cross-version resume) leaves
    // its shared groups; a resumed one takes its offline memberships back [SHARE-MEMBERSHIP-LIFECYCLE].
    const freshSession = !client || (client.version === 5 ? client._cleanStart === true : client.clean !== false)
    this.shared.connected(gate, freshSession)
    this.lifecycle(gate, 'connected')
  }

  /** A persistent session ended (expiry, Session Expiry 0 at close). */
  private sessionEnded(clientId: string): void {
    this.sessions.delete(clientId)
    if (!this.connection(clientId)) this.shared.endSession(clientId)
  }

  onClosed(gate: WireGate): void {
    this.gates.delete(gate)
    if (gate.clientId === null) return
    if (this.gatesByClientId.get(gate.clientId) === gate) this.gatesByClientId.delete(gate.clientId)
    if (gate.state === 'closed' && gate.closeReason !== null && this.aedesClientOf.get(gate)?.connackSent) this.lifecycle(gate, 'disconnected')
  }

  endSessionNow(gate: WireGate): void {
    const client = this.aedesClientOf.get(gate)
    if (!client) return
    client[END_AT_CLOSE] = true
    // Also what aedes reads when it times the Will (min of Will Delay and Session Expiry) and
    // what it holds a DISCONNECT's Session Expiry against (0 cannot be raised) [PS-SEI-ON-DISCONNECT].
    client.sessionExpiryInterval = 0
    client._connectSessionExpiryInterval = 0
  }

  hasRetained(topic: string): boolean {
    return this.retained.has(topic)
  }

  /** [RET-COUNT-LIMIT-THROTTLE] `retained.maxCount` reached (0 = no limit). */
  retainedLimitReached(): boolean {
    const max = this.profile.retained.maxCount
    // The `retained-limit-ignored` deviation never throttles.
    return max > 0 && this.retained.size >= max && !this.faults.has('retained-limit-ignored')
  }

  nextMessageId(gate: WireGate): number {
    const client = this.aedesClientOf.get(gate)!
    const id = client._nextId as number
    client._nextId = id >= 65535 ? 1 : id + 1
    return id
  }

  hasSubscribers(topic: string): boolean {
    const mq = (this.aedes as unknown as { mq: { _matcher: { match(topic: string): unknown[] } } }).mq
    return mq._matcher.match(topic).length > 0
  }

  sharedSubscribe(gate: WireGate, group: string, filter: string, qos: number): void {
    this.shared.subscribe(gate, group, filter, qos)
    // The `retained-to-shared` deviation sends a new shared subscription the retained message [RET-SHARED-NO-RETAINED].
    if (this.faults.has('retained-to-shared') && isExactFilter(filter)) void this.sendRetained(gate, filter)
  }

  private async sendRetained(gate: WireGate, topic: string): Promise<void> {
    const persistence = (this.aedes as unknown as { persistence: Record<string, any> }).persistence
    for await (const packet of persistence.createRetainedStream(topic) as AsyncIterable<Record<string, unknown>>) {
      this.aedesClientOf.get(gate)?.publish({ ...packet, cmd: 'publish', retain: true, dup: false } as never, () => {})
    }
  }

  sharedUnsubscribe(gate: WireGate, group: string, filter: string): void {
    this.shared.unsubscribe(gate, group, filter)
  }

  sharedDetach(gate: WireGate): void {
    this.shared.detach(gate)
  }

  // ---- queries used by the HTTP data plane and tests ---------------------------------------

  /** The live connection for a client id, if it is connected. */
  connection(clientId: string): WireGate | undefined {
    const gate = this.gatesByClientId.get(clientId)
    return gate && gate.state === 'connected' ? gate : undefined
  }

  /** Whether an offline client has an unexpired persistent session [DM-404-PERSISTENT-SESSION]. */
  hasPersistentSession(clientId: string): boolean {
    return this.sessions.has(clientId) && !this.connection(clientId)
  }

  /**
   * Ends an offline client's persistent session now: subscriptions, queued
   * messages and Will (DeleteConnection with cleanSession=true) [API-DELETE-CONNECTION].
   */
  async deleteOfflineSession(clientId: string): Promise<void> {
    if (this.connection(clientId)) return
    this.sessions.delete(clientId)
    this.shared.endSession(clientId)
    const aedes = this.aedes as unknown as Record<string, any>
    aedes.clearSessionExpiry(clientId)
    const persistence = aedes.persistence as Record<string, (...args: any[]) => any>
    const client = { id: clientId }
    await persistence.cleanSubscriptions!(client)
    await persistence.delWill!({ id: clientId, brokerId: aedes.id })
    for await (const packet of persistence.outgoingStream!(client) as AsyncIterable<unknown>) await persistence.outgoingClearMessageId!(client, packet)
  }

  get connectionCount(): number {
    return this.gates.size
  }

  private lifecycle(gate: WireGate, kind: 'connected' | 'disconnected'): void {
    // The connect/disconnect pair of one connection shares its number [LC-VERSION-NUMBER].
    // The `lifecycle-version-per-event` deviation numbers every event on its own.
    let version = this.faults.has('lifecycle-version-per-event') ? undefined : this.gateLifecycleVersion.get(gate)
    if (version === undefined) {
      version = (this.lifecycleVersion.get(gate.clientId!) ?? 0) + 1
      this.lifecycleVersion.set(gate.clientId!, version)
      this.gateLifecycleVersion.set(gate, version)
    }
    publishLifecycleEvent(this.aedes, gate, kind, version, this.faults)
  }

  /** Drops every client connection (listeners must stop accepting first). */
  destroyConnections(): void {
    for (const gate of this.gates) gate.socket.destroy()
  }

  async close(): Promise<void> {
    this.shared.close()
    this.destroyConnections()
    await new Promise<void>((resolve) => this.aedes.close(() => resolve()))
  }
}

/**
 * aedes keeps the packet ids of QoS 2 PUBLISHes awaiting PUBREL per client id and never drops them
 * when the session ends, so a later session reusing such an id got PUBREC and PUBCOMP but its
 * message was taken for a duplicate and not delivered [MQTT-4.3.3]. aedes cleans a session's
 * subscriptions exactly when the session ends or a new one starts (clean start, Session Expiry 0
 * at close, expiry, DeleteConnection): the ids are dropped with them.
 */
function clearIncomingWithSession(persistence: Record<string, any>): void {
  const ids = new Map<string, Set<number>>()
  const store = persistence.incomingStorePacket.bind(persistence) as (client: { id: string }, packet: { messageId: number }) => Promise<void>
  const del = persistence.incomingDelPacket.bind(persistence) as (client: { id: string }, packet: { messageId: number }) => Promise<void>
  const clean = persistence.cleanSubscriptions.bind(persistence) as (client: { id: string }) => Promise<unknown>
  persistence.incomingStorePacket = (client: { id: string }, packet: { messageId: number }) => {
    let set = ids.get(client.id)
    if (!set) ids.set(client.id, (set = new Set()))
    set.add(packet.messageId)
    return store(client, packet)
  }
  persistence.incomingDelPacket = (client: { id: string }, packet: { messageId: number }) => {
    const set = ids.get(client.id)
    set?.delete(packet.messageId)
    if (set?.size === 0) ids.delete(client.id)
    return del(client, packet)
  }
  persistence.cleanSubscriptions = async (client: { id: string }) => {
    const set = ids.get(client.id)
    ids.delete(client.id)
    for (const messageId of set ?? []) await del(client, { messageId }).catch(() => {})
    return clean(client)
  }
}

/**
 * Retained messages reach a subscriber only through a filter equal to their
 * topic [RET-EXACT-MATCH]; wildcard filters get later messages but not the
 * retained one. The profile can restore standard MQTT matching.
 */
function exactMatchRetained(persistence: Record<string, any>, profile: Profile, faults: ReadonlySet<string>): Record<string, any> {
  const original = persistence.createRetainedStreamCombi.bind(persistence) as (patterns: string[]) => Readable
  // The `retained-delivered-qos0` deviation sends retained messages at QoS 0 on subscribe [RET-QOS-0-1].
  const stream = !faults.has('retained-delivered-qos0') ? original : (patterns: string[]) => Readable.from((async function* () {
    for await (const packet of original(patterns) as AsyncIterable<Record<string, unknown>>) yield { ...packet, qos: 0 }
  })())
  if (!profile.retained.exactMatchOnly) {
    persistence.createRetainedStreamCombi = stream as never
    return persistence
  }
  persistence.createRetainedStreamCombi = ((patterns: string[]) => {
    const exact = patterns.filter(isExactFilter)
    return exact.length > 0 ? stream(exact) : Readable.from([])
  }) as never
  return persistence
}

/**
 * Keeps the set of topics holding a retained message (for the account limit
 * [RET-COUNT-LIMIT-THROTTLE]) by wrapping the persistence's storeRetained; an
 * empty payload deletes [RET-EMPTY-DELETES]. Also where the retained-store
 * deviations break the store on purpose.
 */
function trackRetained(persistence: Record<string, any>, faults: ReadonlySet<string>): ReadonlySet<string> {
  const topics = new Set<string>()
  const original = persistence.storeRetained.bind(persistence) as (packet: Record<string, any>, cb?: (err: Error | null) => void) => unknown
  persistence.storeRetained = (packet: Record<string, any>, cb?: (err: Error | null) => void) => {
    const empty = !packet.payload || packet.payload.length === 0
    const skip = (empty && faults.has('empty-retained-kept')) || (!empty && topics.has(packet.topic) && faults.has('retained-not-replaced'))
    if (skip) return cb ? cb(null) : Promise.resolve()
    if (!empty && faults.has('retained-never-expires')) {
      const { messageExpiry: _dropped, ...rest } = packet
      packet = rest
    }
    if (empty) topics.delete(packet.topic)
    else topics.add(packet.topic)
    return original(packet, cb)
  }
  return topics
}
