import type { Faults } from './deviations.js'
import type { Logger } from './logger.js'
import type { Profile } from './profile.js'
import type { ProtocolVersion } from './mqtt-codec.js'
import type { SharedSubscriptionHost } from './gate-subscriptions.js'
import type { WireGate } from './wire-gate.js'

/** What a gate needs from the broker it belongs to. */
export interface GateHost extends SharedSubscriptionHost {
  readonly profile: Profile
  readonly log: Logger
  /** Deliberate faults (deviations) switched on for this broker; empty in normal use. */
  readonly faults: Faults
  /** [CID-CONNECT-RATE-1PS] */
  connectAllowed(clientId: string): boolean
  /** Protocol version of the stored persistent session for this id, if any [PS-NO-CROSS-VERSION]. */
  sessionVersion(clientId: string): ProtocolVersion | undefined
  onConnected(gate: WireGate): void
  onClosed(gate: WireGate): void
  /**
   * Ends this connection's session when the connection closes, whatever Session Expiry aedes
   * holds (an MQTT 5 CONNECT with Session Expiry 0; DeleteConnection with cleanSession=true).
   */
  endSessionNow(gate: WireGate): void
  /** aedes' next packet identifier for this client, so ids the gate allocates never collide with aedes'. */
  nextMessageId(gate: WireGate): number
  /** Whether any subscription (shared ones included) matches a topic; only the `puback-no-matching-subscribers` deviation asks. */
  hasSubscribers?(topic: string): boolean
  /** Whether the topic has a retained message. */
  hasRetained(topic: string): boolean
  /** The account holds `retained.maxCount` retained messages [RET-COUNT-LIMIT-THROTTLE]. */
  retainedLimitReached(): boolean
}

export type Transport = 'tcp' | 'tls' | 'ws'

export interface GateInfo {
  transport: Transport
  remoteAddress?: string
  /** Subject CN of a verified client certificate (mutual TLS). */
  certificateSubject?: string
  servername?: string
}
