import type { Faults } from './deviations.js'
import type { Duplex } from 'node:stream'
import type { AedesOptions } from 'aedes'
import type { Logger } from './logger.js'
import type { Profile } from './profile.js'
import type { ProtocolVersion } from './mqtt-codec.js'
import { WireGate, type GateHost, type GateInfo } from './wire-gate.js'
import { SharedSubscriptions } from './shared-subscriptions.js'
import { matches } from './topic-rules.js'
import { LifecycleEvents } from './lifecycle-events.js'
import { SessionAedes } from './session-aedes.js'
import { deliverAtHighestQos } from './highest-qos-delivery.js'
import { clearIncomingWithSession } from './incoming-ids.js'
import { markResends } from './resend-dup.js'
import { keepSentQos2 } from './sent-qos2-expiry.js'
import { deliverWithIdentifiers, storedWithIdentifiers } from './subscription-identifiers.js'
import { exactMatchRetained, trackRetained } from './retained-store.js'
import { asClient, deleteStoredSession, gateOf, handleConnection, hasMatchingSubscription, memoryPersistence, startsNewSession, type AedesClient, type AedesPublish } from './aedes-internals.js'
import { installFaults } from './faults/decorate.js'
import { aedesFaults, aedesOptionFaults } from './faults/aedes-faults.js'
import { brokerFaults } from './faults/broker-faults.js'
import { persistenceFaults } from './faults/persistence-faults.js'
import { sharedFaults } from './faults/shared-faults.js'
import { lifecycleFaults } from './faults/lifecycle-faults.js'

/**
 * The MQTT side of the reference broker: aedes behind one WireGate per connection.
 * Deviations that are faults are decorators (faults/), installed by `create` only
 * when they are switched on.
 */
export class AwsBroker implements GateHost {
  readonly shared: SharedSubscriptions
  private readonly lifecycle: LifecycleEvents
  private readonly gatesByClientId = new Map<string, WireGate>()
  private readonly gates = new Set<WireGate>()
  private readonly lastConnect = new Map<string, number>()
  private readonly sessions = new Map<string, ProtocolVersion>()
  private readonly aedesClients = new WeakMap<WireGate, AedesClient>()

  private constructor(readonly profile: Profile, readonly log: Logger, readonly aedes: SessionAedes, readonly faults: Faults, private readonly retained: ReadonlySet<string>) {
    aedes.onSessionGone = (id) => this.sessionEnded(id)
    aedes.on('sessionExpired', (client) => this.sessionEnded(client.id))
    aedes.on('clientReady', (client) => {
      const gate = gateOf(asClient(client))
      gate?.onClientReady()
      if (gate) this.shared.markReady(gate)
    })
    this.shared = new SharedSubscriptions(aedes, {
      hashMatchesParent: profile.mqtt.hashMatchesParent,
      queueMaximumPerGroup: profile.sharedSubscriptions.queueMaximumPerGroup,
      dequeueRatePerSecond: profile.sharedSubscriptions.dequeueRatePerSecond,
      retentionSeconds: profile.sessions.expirySeconds,
      isPersistent: (clientId) => this.sessions.has(clientId),
      onDrop: (reason, group, topic) => log.info({ event: 'shared-drop', reason, group, topic }),
    }, {
      deliver: (gate, message) => this.aedesClient(gate)?.publish({ cmd: 'publish', retain: false, dup: false, ...message }, () => {}),
    })
    this.lifecycle = new LifecycleEvents(aedes)
  }

  static async create(profile: Profile, log: Logger, faults: Faults = new Set()): Promise<AwsBroker> {
    let self: AwsBroker | null = null
    const persistence = memoryPersistence()
    exactMatchRetained(persistence, profile.retained.exactMatchOnly)
    clearIncomingWithSession(persistence)
    const retained = trackRetained(persistence)
    // (Before the other stream wrappers, so it sees the stored messages as aedes keeps them.)
    if (profile.mqtt.subscriptionIdentifiersAvailable) storedWithIdentifiers(persistence, profile.mqtt.hashMatchesParent)
    markResends(persistence)
    keepSentQos2(persistence)
    // aedes gives a stored message a packet id (outgoingUpdate) just before sending it: tell the
    // gate its absolute expiry, so the remaining interval is exact [MEI-REMAINING] [MEI-ZERO-ROUNDING].
    const update = persistence.outgoingUpdate.bind(persistence)
    persistence.outgoingUpdate = (client, packet, cb) => {
      if (typeof packet.messageExpiry === 'number' && packet.messageId !== undefined) self?.connection(client.id)?.noteExpiry(packet.messageId, packet.messageExpiry)
      return update(client, packet, cb)
    }
    installFaults(persistenceFaults, faults, persistence, { retained, isConnected: (id) => self?.connection(id) !== undefined })
    const options: AedesOptions & Record<string, unknown> = {
      persistence,
      // The gate enforces the profile's limit; aedes must accept what the gate lets through.
      topicAliasMaximum: profile.mqtt.topicAliasMaximum,
      maxClientsIdLength: profile.mqtt.clientIdMaxBytes,
      sessionExpiryIntervalLimit: profile.sessions.expirySeconds,
      connectTimeout: profile.server.connectTimeoutMs,
      // The gate never applies backpressure to aedes, so no client waits on another's drain (aedes defect 7).
      drainTimeout: 0,
      queueLimit: 200,
      authorizeForward: (client, packet) => (self ? self.forwardable(asClient(client), packet as AedesPublish) : packet) as never,
    }
    installFaults(aedesOptionFaults, faults, options, undefined)
    const aedes = new SessionAedes(options)
    installFaults(aedesFaults, faults, aedes, undefined)
    await aedes.listen()
    self = new AwsBroker(profile, log, aedes, faults, retained)
    installFaults(brokerFaults, faults, self, undefined)
    installFaults(sharedFaults, faults, self.shared, undefined)
    installFaults(lifecycleFaults, faults, self.lifecycle, undefined)
    return self
  }

  /** Accepts one client connection (TCP, TLS or WebSocket stream). */
  accept(socket: Duplex, info: GateInfo): WireGate | null {
    try {
      const gate = new WireGate(socket, this, info)
      const client = handleConnection(this.aedes, gate.aedesSide, gate)
      deliverAtHighestQos(client, this.profile.mqtt.hashMatchesParent)
      if (this.profile.mqtt.subscriptionIdentifiersAvailable) deliverWithIdentifiers(client, this.profile.mqtt.hashMatchesParent)
      this.aedesClients.set(gate, client)
      this.gates.add(gate)
      return gate
    } catch (err) {
      // A connection that cannot be set up is closed; the listener keeps accepting.
      this.log.error({ event: 'rejected', reason: 'internal-error', where: 'accept', detail: (err as Error).message, ...info })
      socket.destroy()
      return null
    }
  }

  /**
   * aedes' authorizeForward: whether a message goes to a client. [TOPIC-HASH-NO-PARENT] `a/#`
   * does not deliver `a` when the profile says so.
   */
  forwardable(client: AedesClient, packet: AedesPublish): AedesPublish | null {
    // A QoS 0 message for a reader over its slow-consumer limit is dropped here, before aedes
    // builds and writes a packet for it: with many stalled readers that work would cost the rest.
    if (packet.qos === 0 && gateOf(client)?.dropsQos0ForSlowReader()) return null
    if (this.profile.mqtt.hashMatchesParent) return packet
    let parentOnly = false
    for (const filter in client.subscriptions) {
      if (matches(filter, packet.topic, false)) return packet
      if (filter.endsWith('/#') && filter.slice(0, -2) === packet.topic) parentOnly = true
    }
    return parentOnly ? null : packet
  }

  // ---- GateHost ----------------------------------------------------------------------------

  /** [CID-CONNECT-RATE-1PS] */
  connectAllowed(clientId: string): boolean {
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
    const client = this.aedesClient(gate)
    if (client && client.clean === false) this.sessions.set(id, gate.version)
    else this.sessions.delete(id)
    // A session started afresh (Clean Start, 3.1.1 clean session, no cross-version resume) leaves
    // its shared groups; a resumed one takes its offline memberships back [SHARE-MEMBERSHIP-LIFECYCLE].
    this.shared.connected(gate, !client || startsNewSession(client))
    // [SUB-MAX-50-PER-CONNECTION] a resumed session's subscriptions are the new connection's:
    // they count against its 50 as the ones it subscribes to itself.
    if (client && gate.sessionResumed) gate.subs.restore([...Object.keys(client.subscriptions), ...this.shared.memberships(id)])
    this.lifecycle.publish(gate, 'connected')
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
    if (gate.state === 'closed' && gate.closeReason !== null && this.aedesClient(gate)?.connackSent) this.lifecycle.publish(gate, 'disconnected')
  }

  endSessionNow(gate: WireGate): void {
    const client = this.aedesClient(gate)
    if (client) this.aedes.endSessionAtClose(client)
  }

  hasRetained(topic: string): boolean {
    return this.retained.has(topic)
  }

  /** [RET-COUNT-LIMIT-THROTTLE] `retained.maxCount` reached (0 = no limit). */
  retainedLimitReached(): boolean {
    const max = this.profile.retained.maxCount
    return max > 0 && this.retained.size >= max
  }

  nextMessageId(gate: WireGate): number {
    const client = this.aedesClient(gate)!
    const id = client._nextId
    client._nextId = id >= 65535 ? 1 : id + 1
    return id
  }

  hasSubscribers(topic: string): boolean {
    return hasMatchingSubscription(this.aedes, topic)
  }

  /** A shared subscription gets no retained message [RET-SHARED-NO-RETAINED]. */
  sharedSubscribe(gate: WireGate, group: string, filter: string, qos: number, identifier?: number): void {
    this.shared.subscribe(gate, group, filter, qos, identifier)
  }

  sharedUnsubscribe(gate: WireGate, group: string, filter: string): void {
    this.shared.unsubscribe(gate, group, filter)
  }

  sharedDetach(gate: WireGate): void {
    this.shared.detach(gate)
  }

  // ---- queries used by the HTTP data plane, the faults and tests ----------------------------

  /** The live connection for a client id, if it is connected. */
  connection(clientId: string): WireGate | undefined {
    const gate = this.latestGate(clientId)
    return gate && gate.state === 'connected' ? gate : undefined
  }

  /** The gate that last connected with a client id, until it closes (whatever its state). */
  latestGate(clientId: string): WireGate | undefined {
    return this.gatesByClientId.get(clientId)
  }

  /** The aedes client behind a connection. */
  aedesClient(gate: WireGate): AedesClient | undefined {
    return this.aedesClients.get(gate)
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
    await deleteStoredSession(this.aedes, clientId)
  }

  get connectionCount(): number {
    return this.gates.size
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
