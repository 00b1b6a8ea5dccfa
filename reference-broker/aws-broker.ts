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

type AnyClient = AedesClient & Record<string, any>

// aedes-persistence is CommonJS with a default-export typing that does not match its module.exports.
const memoryPersistence = createRequire(import.meta.url)('aedes-persistence') as () => Record<string, any>

/**
 * aedes with the session rules AWS documents: a 3.1.1 persistent session
 * expires like an MQTT 5 one (1 hour by default) [PS-EXPIRY-DEFAULT-1H]; aedes
 * 2.0.0-beta.1 only expires MQTT 5 sessions.
 */
class SessionAedes extends Aedes {
  endAtClose = new Set<string>()
  onSessionGone: (clientId: string) => void = () => {}

  scheduleSessionExpiry(client: AnyClient): void {
    const self = this as unknown as { closed: boolean; _takingOver: Set<string> }
    if (self.closed || self._takingOver.has(client.id)) return
    if (this.endAtClose.delete(client.id)) client.sessionExpiryInterval = 0
    if (client.sessionExpiryInterval === 0) this.onSessionGone(client.id)
    const version = client.version
    client.version = 5
    try {
      (Aedes.prototype as unknown as { scheduleSessionExpiry: (c: AnyClient) => void }).scheduleSessionExpiry.call(this, client)
    } finally {
      client.version = version
    }
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

  private constructor(readonly profile: Profile, readonly log: Logger, aedes: SessionAedes, readonly faults: ReadonlySet<string>) {
    this.aedes = aedes
    aedes.onSessionGone = (id) => this.sessions.delete(id)
    aedes.on('sessionExpired', (client: AnyClient) => this.sessions.delete(client.id))
    aedes.on('clientReady', (client: AnyClient) => (client.conn as { gate?: WireGate }).gate?.onClientReady())
    this.shared = new SharedSubscriptions(aedes, profile.mqtt.hashMatchesParent, faults.has('shared-fanout'), {
      deliver: (gate, message) => this.aedesClientOf.get(gate)?.publish({ cmd: 'publish', retain: false, dup: false, ...message } as never, () => {}),
    })
  }

  static async create(profile: Profile, log: Logger, faults: ReadonlySet<string> = new Set()): Promise<AwsBroker> {
    const persistence = exactMatchRetained(memoryPersistence(), profile)
    let self: AwsBroker | null = null
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
    self = new AwsBroker(profile, log, aedes, faults)
    return self
  }

  /** Accepts one client connection (TCP, TLS or WebSocket stream). */
  accept(socket: Duplex, info: GateInfo): WireGate {
    const gate = new WireGate(socket, this, info)
    ;(gate.aedesSide as Duplex & { gate?: WireGate }).gate = gate
    const client = this.aedes.handle(gate.aedesSide as never, undefined as never) as unknown as AnyClient
    this.aedesClientOf.set(gate, client)
    this.gates.add(gate)
    return gate
  }

  /** [TOPIC-HASH-NO-PARENT] `a/#` must not deliver `a` when the profile says so. */
  private authorizeForward(client: AnyClient, packet: { topic: string }): unknown {
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
    this.lifecycle(gate, 'connected')
  }

  onClosed(gate: WireGate): void {
    this.gates.delete(gate)
    if (gate.clientId === null) return
    if (this.gatesByClientId.get(gate.clientId) === gate) this.gatesByClientId.delete(gate.clientId)
    if (gate.state === 'closed' && gate.closeReason !== null && this.aedesClientOf.get(gate)?.connackSent) this.lifecycle(gate, 'disconnected')
  }

  endSessionNow(clientId: string): void {
    this.aedes.endAtClose.add(clientId)
  }

  nextMessageId(gate: WireGate): number {
    const client = this.aedesClientOf.get(gate)!
    const id = client._nextId as number
    client._nextId = id >= 65535 ? 1 : id + 1
    return id
  }

  sharedSubscribe(gate: WireGate, group: string, filter: string, qos: number): void {
    this.shared.subscribe(gate, group, filter, qos)
  }

  sharedUnsubscribe(gate: WireGate, group: string, filter: string): void {
    this.shared.unsubscribe(gate, group, filter)
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
    let version = this.gateLifecycleVersion.get(gate)
    if (version === undefined) {
      version = (this.lifecycleVersion.get(gate.clientId!) ?? 0) + 1
      this.lifecycleVersion.set(gate.clientId!, version)
      this.gateLifecycleVersion.set(gate, version)
    }
    publishLifecycleEvent(this.aedes, gate, kind, version)
  }

  /** Drops every client connection (listeners must stop accepting first). */
  destroyConnections(): void {
    for (const gate of this.gates) gate.socket.destroy()
  }

  async close(): Promise<void> {
    this.destroyConnections()
    await new Promise<void>((resolve) => this.aedes.close(() => resolve()))
  }
}

/**
 * Retained messages reach a subscriber only through a filter equal to their
 * topic [RET-EXACT-MATCH]; wildcard filters get later messages but not the
 * retained one. The profile can restore standard MQTT matching.
 */
function exactMatchRetained(persistence: Record<string, any>, profile: Profile): Record<string, any> {
  if (!profile.retained.exactMatchOnly) return persistence
  const original = persistence.createRetainedStreamCombi.bind(persistence) as (patterns: string[]) => Readable
  persistence.createRetainedStreamCombi = ((patterns: string[]) => {
    const exact = patterns.filter(isExactFilter)
    return exact.length > 0 ? original(exact) : Readable.from([])
  }) as never
  return persistence
}
