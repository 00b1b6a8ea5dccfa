import type { Duplex } from 'node:stream'
import type { Faults } from '../deviations.js'
import type { Logger } from '../logger.js'
import type { Profile } from '../profile.js'
import type { FrameDecoder, ProtocolVersion } from '../mqtt-codec.js'
import type { OutboundShaper, ShaperOptions } from '../outbound-shaper.js'
import type { RateLimiter } from '../rate-limiter.js'
import type { InboundWindow } from '../inbound-window.js'
import type { DirectDelivery } from '../direct-delivery.js'
import type { ConnectHost, ConnectVerdict, PublishRule } from '../inbound-checks.js'
import type { AuthExchange } from './auth-exchange.js'

/** `authenticating`: the CONNECT passed the checks and waits for its AUTH exchange (gate/inbound/auth.ts). */
export type ConnectionState = 'awaiting-connect' | 'authenticating' | 'connecting' | 'connected' | 'closing' | 'closed'

export type Transport = 'tcp' | 'tls' | 'ws'

export interface GateInfo {
  transport: Transport
  remoteAddress?: string
  /** Subject CN of a verified client certificate (mutual TLS). */
  certificateSubject?: string
  servername?: string
}

/** Shared subscriptions live in the broker, not in aedes (aedes 2.0.0-beta.1 defect 5). */
export interface SharedSubscriptionHost {
  readonly profile: Profile
  readonly log: Logger
  /** `identifier`: the SUBSCRIBE's Subscription Identifier, if it had one. */
  sharedSubscribe(gate: GateConnection, group: string, filter: string, qos: number, identifier?: number): void
  sharedUnsubscribe(gate: GateConnection, group: string, filter: string): void
  /** The connection ended: its clean-session memberships end, a persistent session's stay offline. */
  sharedDetach(gate: GateConnection): void
}

/** What a gate needs from the broker it belongs to. */
export interface GateHost extends SharedSubscriptionHost {
  /** Deliberate faults (deviations) switched on for this broker; empty in normal use. Read once, to install them (faults/gate-faults.ts). */
  readonly faults: Faults
  /** [CID-CONNECT-RATE-1PS] */
  connectAllowed(clientId: string): boolean
  /** Protocol version of the stored persistent session for this id, if any [PS-NO-CROSS-VERSION]. */
  sessionVersion(clientId: string): ProtocolVersion | undefined
  onConnected(gate: GateConnection): void
  onClosed(gate: GateConnection): void
  /**
   * Ends this connection's session when the connection closes, whatever Session Expiry aedes
   * holds (an MQTT 5 CONNECT with Session Expiry 0; DeleteConnection with cleanSession=true).
   */
  endSessionNow(gate: GateConnection): void
  /** aedes' next packet identifier for this client, so ids the gate allocates never collide with aedes'. */
  nextMessageId(gate: GateConnection): number
  /** Whether any subscription (shared ones included) matches a topic. */
  hasSubscribers?(topic: string): boolean
  /** Whether the topic has a retained message. */
  hasRetained(topic: string): boolean
  /** The account holds `retained.maxCount` retained messages [RET-COUNT-LIMIT-THROTTLE]. */
  retainedLimitReached(): boolean
}

/** SUBSCRIBE and UNSUBSCRIBE of one connection (gate/subscriptions.ts). */
export interface ConnectionSubscriptions {
  subscribe(frame: Buffer, packet: Record<string, any>): void
  unsubscribe(frame: Buffer, packet: Record<string, any>): void
  /** Rewrites aedes' SUBACK/UNSUBACK so it answers the client's whole packet, in order. */
  mergeAck(frame: Buffer, decoder: FrameDecoder): Buffer
  /** The connection no longer counts this filter against its quota [SUB-MAX-50-PER-CONNECTION]. */
  forget(filter: string): void
  /** A resumed session's subscriptions: the connection holds them and they count against its quota [SUB-MAX-50-PER-CONNECTION]. */
  restore(filters: readonly string[]): void
  close(): void
}

/** What an MQTT 5 CONNECT asks of the server's packets: Request Problem Information, Maximum Packet Size. */
export interface ClientAsks {
  problemInformation: boolean
  maximumPacketSize: number | undefined
}

/** How a CONNECT the gate accepted sets the connection up (gate/inbound/connect.ts). */
export interface AcceptedConnect {
  /** Effective keep-alive in seconds after the AWS clamp [KA-RANGE-30-1200]. */
  keepAlive: number
  endSessionAtClose: boolean
  resumesSession: boolean
  /** The client allows Reason Strings and User Properties on failures other than CONNACK, PUBLISH and DISCONNECT [M5-REQUEST-PROBLEM-INFO]. */
  problemInformation: boolean
  shaper: Omit<ShaperOptions, 'version' | 'write' | 'bufferedBytes' | 'bytesTaken' | 'injectPuback' | 'onSlowConsumer' | 'onDrop'>
}

/**
 * One client connection as the packet handlers (gate/inbound/, gate/outbound/)
 * see it: what they read, and the named steps that change it. The byte
 * plumbing, timers and closing stay behind it (wire-gate.ts).
 */
export interface GateConnection {
  readonly id: string
  readonly profile: Profile
  readonly host: GateHost
  readonly info: GateInfo
  readonly socket: Duplex
  readonly state: ConnectionState
  readonly version: ProtocolVersion
  readonly clientId: string | null
  /** Keep Alive the client asked for in its CONNECT, before the clamp. */
  readonly requestedKeepAlive: number
  /** Effective keep-alive in seconds after the AWS clamp [KA-RANGE-30-1200]. */
  readonly keepAlive: number
  readonly cleanStart: boolean
  readonly endSessionAtClose: boolean
  /** The CONNECT resumes a stored session (Session Present 1) [PS-CREATE-311] [PS-CREATE-V5]. */
  readonly resumesSession: boolean
  /** Request Problem Information of the CONNECT (true unless an MQTT 5 client set it to 0) [MQTT5-3.1.2-29]. */
  readonly problemInformation: boolean
  readonly closeReason: string | null
  /** Decoders for this connection's protocol version. */
  readonly inDecoder: FrameDecoder
  readonly outDecoder: FrameDecoder
  /** Created when the CONNECT is accepted. */
  readonly shaper: OutboundShaper | null
  readonly rate: RateLimiter
  /** Topic aliases the client set on this connection [ALIAS-CONNECTION-SCOPE]. */
  readonly aliases: Map<number, string>
  readonly subs: ConnectionSubscriptions
  /** The client's QoS 1/2 PUBLISHes aedes has not acknowledged yet (Receive Maximum, orderly close). */
  readonly inbound: InboundWindow
  readonly direct: DirectDelivery
  /** The handlers of this connection's broker (deviations installed). */
  readonly handlers: GateHandlers
  /** The enhanced authentication the CONNECT started (HX-CHALLENGE); null without one [MQTT5-4.12.0-6]. */
  readonly auth: AuthExchange | null

  // ---- what the handlers do with it ----
  /** Passes a frame to aedes. */
  forward(frame: Buffer): void
  /** Writes a frame to the client. */
  writeOut(frame: Buffer): void
  /** A protocol violation: DISCONNECT with the reason code on MQTT 5 (after the CONNACK), a close on 3.1.1. */
  violation(code: number, reason: string, reasonString?: string): void
  /** Closes without a DISCONNECT. */
  closeNow(reason: string): void
  /**
   * The CONNECT names this protocol version and client: decoders follow the version. `asks`: its
   * Request Problem Information and Maximum Packet Size, which a refusing CONNACK already follows.
   */
  identify(version: ProtocolVersion, clientId: string | null, cleanStart: boolean, requestedKeepAlive: number, asks?: ClientAsks): void
  /** Refuses the CONNECT: CONNACK with the code (3.1.1: `v311`, or a close when null), then the close. */
  refuseConnect(refuse: { reason: string; v5: number; v311: number | null; detail?: string }): void
  /** The CONNECT passed the gate's checks: aedes decides next (the CONNACK it writes). */
  acceptConnect(accepted: AcceptedConnect): void
  /**
   * The CONNECT passed the gate's checks and names the enhanced authentication method the
   * gate performs: it waits for the AUTH exchange; `connect` (without the auth properties) goes to aedes after it.
   */
  awaitAuth(method: string, accepted: AcceptedConnect, connect: Buffer): void
  /** The CONNECT's AUTH exchange succeeded: the CONNECT goes to aedes as acceptConnect would have sent it. */
  authenticated(): void
  /** aedes' successful CONNACK (`frame`, as the client gets it) goes out: the connection is up [CID-ASSIGNED-V5]. */
  connected(frame: Buffer, sessionPresent: boolean, assignedClientId: string | undefined): void
  /** aedes refused the CONNECT: its CONNACK goes out, then the close. */
  connectRefusedByAedes(code: number, frame: Buffer): void
  /** aedes closes the connection (its DISCONNECT, e.g. 0x8E on a takeover, is written next). */
  closingByServer(reason: string): void
  /** The client sent DISCONNECT. */
  sawClientDisconnect(): void
  /** QoS 2 reaction of the profile for this connection's version. */
  qos2Reaction(): string
}

/** Handles one whole frame from the client (gate/inbound/). */
export type InboundHandler = (conn: GateConnection, frame: Buffer) => void
/** Handles one whole frame aedes writes to the client (gate/outbound/). */
export type OutboundHandler = (conn: GateConnection, frame: Buffer) => void

/** What the gate decides for one filter of a SUBSCRIBE; undefined: aedes (or the shared registry) takes it. */
export type FilterVerdict = { refuse: number; problem?: string } | { grant: number } | undefined

/**
 * The gate's rules, kept as aedes keeps its handlers: one handler per packet type
 * and direction, plus the few decisions inside them that have a name of their
 * own. Built once (gate/registry.ts); a deviation replaces entries with
 * decorated ones (faults/gate-faults.ts), so the rules themselves hold no fault.
 */
export interface GateHandlers {
  /** The largest packet a client may send, fixed header included [M5-MAX-PACKET-SIZE]. */
  readonly inboundFrameLimit: (profile: Profile) => number
  /** Bytes per second read from a client [LIM-THROUGHPUT-512KIB]; 0 = unlimited (deliveries: `shaperOptions`). */
  readonly inboundThroughput: (profile: Profile) => number
  /** The first frame of a connection: a CONNECT (anything else closes it). */
  readonly connect: InboundHandler
  /** Every later client frame, by packet type (index = type). */
  readonly inbound: readonly InboundHandler[]
  /** Every frame aedes writes, by packet type (index = type). */
  readonly outbound: readonly OutboundHandler[]
  /** The CONNECT rules (inbound-checks.ts). */
  readonly checkConnect: (packet: Record<string, any>, profile: Profile, host: ConnectHost) => ConnectVerdict
  /** How the outbound shaper of an accepted CONNECT is set up. */
  readonly shaperOptions: (conn: GateConnection, connect: Record<string, any>) => AcceptedConnect['shaper']
  /** The PUBLISH rules, in order (inbound-checks.ts). */
  readonly publishRules: readonly PublishRule[]
  /** A PUBLISH that passed every rule goes to aedes (`topic`: its alias resolved). */
  readonly forwardPublish: (conn: GateConnection, frame: Buffer, packet: Record<string, any>, topic: string) => void
  /** The gate's verdict on one filter of a SUBSCRIBE (gate/subscriptions.ts). */
  readonly filterVerdict: (conn: GateConnection, sub: { topic: string; qos: number }, shared: boolean, held: ReadonlySet<string>) => FilterVerdict
  /** The SUBACK the client gets, from its reason codes. */
  readonly encodeSuback: (conn: GateConnection, ack: Record<string, unknown>) => Buffer
  /** Session Present in the CONNACK, from aedes' answer [PS-CREATE-311] [PS-CREATE-V5]. */
  readonly sessionPresent: (conn: GateConnection, aedesSaid: boolean) => boolean
  /** The CONNACK's MQTT 5 properties (connack-properties.ts). */
  readonly connackProperties: (conn: GateConnection, fromAedes: Record<string, unknown> | undefined) => Record<string, unknown>
  /**
   * The MQTT 5 CONNACK refusing a CONNECT with `code`: the Reason String and User Properties the
   * profile gives it, left out past `maximum`, the client's Maximum Packet Size [MQTT5-3.2.2-19].
   */
  readonly refusedConnack: (conn: GateConnection, code: number, reason: string | undefined, maximum: number | undefined) => Buffer
  /** The server's AUTH (method, reason code, challenge if any, Reason String and User Property) [MQTT5-4.12.0-5]. */
  readonly authFrame: (conn: GateConnection, reasonCode: number, challenge?: string) => Buffer
  /** A wrong answer to a challenge: CONNACK 0x87 during the CONNECT, DISCONNECT 0x87 and close on re-authentication [MQTT5-4.12.1-2]. */
  readonly authFailed: (conn: GateConnection, detail: string) => void
  /** A frame (not a PUBLISH) fitted to the client's Maximum Packet Size (fit-packet-size.ts) [MQTT5-3.15.2-2] [MQTT5-3.15.2-3]. */
  readonly fitToClient: (frame: Buffer, maximum: number | undefined, decoder: FrameDecoder) => Buffer
  /** The Reason String of a server DISCONNECT [M5-REASON-STRING-FORMAT]. */
  readonly disconnectReasonString: (code: number, detail?: string) => string
  /** Whether a direct message may take one of the receiver's publishes this second [DM-STATUS-429]. */
  readonly directQuota: (conn: GateConnection) => boolean
  /** [QOS1-INFLIGHT-100] [LIM-INFLIGHT] The client's unacknowledged QoS 1 and 2 PUBLISHes allowed (MQTT 5: the advertised Receive Maximum). */
  readonly receiveMaximum: (conn: GateConnection) => number
  /** [LIM-PUB-RATE-100] Whether the connection's publish window takes a PUBLISH the client sent (and records it). */
  readonly publishQuota: (conn: GateConnection) => boolean
  /** The socket dropped without DISCONNECT: aedes sees its input end and publishes the Will [LWT-ON-UNGRACEFUL]. */
  readonly connectionLost: (conn: GateConnection) => void
  /**
   * QoS 0 deliveries for a reader over its slow-consumer limit may be dropped before aedes
   * writes them (only while no handler rewrites deliveries: any deviation turns it off).
   */
  readonly dropsQos0Early: boolean
}
