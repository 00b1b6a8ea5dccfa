import type { Profile } from '../profile.js'
import { persistenceOf, removeSubscription, type AedesClient, type AedesPublish } from '../aedes-internals.js'
import type { SessionAedes } from '../session-aedes.js'
import { isExactFilter } from '../topic-rules.js'
import type { WireGate } from '../wire-gate.js'
import { wrapMethod, type FaultDecorators } from './decorate.js'

/** The AwsBroker methods its faults decorate, and the queries they use. */
export interface FaultableBroker {
  readonly aedes: SessionAedes
  readonly profile: Profile
  connectAllowed(clientId: string): boolean
  onConnected(gate: WireGate): void
  retainedLimitReached(): boolean
  sharedSubscribe(gate: WireGate, group: string, filter: string, qos: number): void
  forwardable(client: AedesClient, packet: AedesPublish): AedesPublish | null
  connection(clientId: string): WireGate | undefined
  latestGate(clientId: string): WireGate | undefined
  aedesClient(gate: WireGate): AedesClient | undefined
  hasRetained(topic: string): boolean
  readonly shared: { memberships(clientId: string): string[] }
}

/** Sends a connection the retained message of a topic, as aedes does on SUBSCRIBE. */
async function sendRetained(broker: FaultableBroker, gate: WireGate, topic: string): Promise<void> {
  for await (const packet of persistenceOf(broker.aedes).createRetainedStream(topic)) {
    broker.aedesClient(gate)?.publish({ ...packet, cmd: 'publish', retain: true, dup: false }, () => {})
  }
}

/** Faults of the broker's own rules: decorators of AwsBroker's methods. */
export const brokerFaults: FaultDecorators<FaultableBroker, void> = {
  // A CONNECT refused by the 1-per-second rate restarts the client id's window [CID-CONNECT-RATE-1PS].
  'connect-refusal-restarts-window': (broker) => {
    const refusedAt = new Map<string, number>()
    wrapMethod(broker, 'connectAllowed', (allowed) => (clientId) => {
      const limit = broker.profile.mqtt.connectsPerSecondPerClientId
      const last = refusedAt.get(clientId)
      const ok = (last === undefined || limit === 0 || Date.now() - last >= 1000 / limit) && allowed(clientId)
      if (ok) refusedAt.delete(clientId)
      else refusedAt.set(clientId, Date.now())
      return ok
    })
  },
  // A connected client's id cannot be taken over [CID-TAKEOVER].
  'takeover-refused': (broker) => wrapMethod(broker, 'connectAllowed', (allowed) => (clientId) => broker.connection(clientId) ? false : allowed(clientId)),
  // A resumed session says Session Present 1 but has lost its subscriptions (its stored
  // messages are still replayed) [PS-SESSION-PRESENT].
  'subscriptions-not-restored': (broker) => wrapMethod(broker, 'onConnected', (connected) => (gate) => {
    const client = broker.aedesClient(gate)
    if (client && gate.sessionResumed) for (const filter of Object.keys(client.subscriptions)) removeSubscription(broker.aedes, client, filter)
    connected(gate)
  }),
  // A resumed session's subscriptions do not count against the new connection's 50: only those it
  // subscribes to itself do [SUB-MAX-50-PER-CONNECTION].
  'subscription-limit-per-connection': (broker) => wrapMethod(broker, 'onConnected', (connected) => (gate) => {
    connected(gate)
    const client = broker.aedesClient(gate)
    if (!client || !gate.sessionResumed) return
    for (const filter of [...Object.keys(client.subscriptions), ...broker.shared.memberships(gate.clientId!)]) gate.subs.forget(filter)
  }),
  // Retained publishes are never throttled at retained.maxCount [RET-COUNT-LIMIT-THROTTLE].
  'retained-limit-ignored': (broker) => wrapMethod(broker, 'retainedLimitReached', () => () => false),
  // A new shared subscription gets the retained message of its topic [RET-SHARED-NO-RETAINED].
  'retained-to-shared': (broker) => wrapMethod(broker, 'sharedSubscribe', (subscribe) => (gate, group, filter, qos) => {
    subscribe(gate, group, filter, qos)
    if (isExactFilter(filter)) void sendRetained(broker, gate, filter)
  }),
  // MQTT 3.1.1 and MQTT 5 clients do not hear each other [M5-CROSS-VERSION].
  'cross-version-isolated': (broker) => wrapMethod(broker, 'forwardable', (forwardable) => (client, packet) => {
    const from = packet.clientId === undefined ? undefined : broker.latestGate(packet.clientId)
    if (from && (from.version === 5) !== (client.version === 5)) return null
    return forwardable(client, packet)
  }),
  // Retained messages are kept as their publisher's session state: once the publisher's connection
  // has ended, its retained messages are no longer sent to new subscribers [MQTT311-3.1.2-7].
  'retained-dropped-with-session': (broker) => {
    const publisher = new Map<string, string>()
    broker.aedes.on('publish', (packet, client) => {
      if (packet.retain && client) publisher.set(packet.topic, client.id)
    })
    wrapMethod(broker, 'forwardable', (forwardable) => (client, packet) => {
      const from = packet.retain ? publisher.get(packet.topic) : undefined
      return from !== undefined && !broker.connection(from) ? null : forwardable(client, packet)
    })
  },
  // Live messages on a topic with a retained message carry RETAIN 1 [RET-FLAG-ON-DELIVERY].
  'retain-flag-on-live': (broker) => wrapMethod(broker, 'forwardable', (forwardable) => (client, packet) => {
    const forwarded = forwardable(client, packet)
    return forwarded && !forwarded.retain && broker.hasRetained(forwarded.topic) ? { ...forwarded, retain: true } : forwarded
  }),
}
