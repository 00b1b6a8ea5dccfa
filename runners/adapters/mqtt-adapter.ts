import type { ClientDecl, QoS, Subscription, WillDecl } from '../../spec/index.js'
import type { NormalPacket } from './normalize-packet.js'
import type { Inbox } from './inbox.js'
import type { FramePlan } from './frame-plan.js'
import type { WebSocketHandshake } from './raw-mqtt-client.js'

/** TLS material and options for an MQTT endpoint. */
export interface TlsSettings {
  ca?: Buffer
  cert?: Buffer
  key?: Buffer
  servername?: string
  alpn?: string[]
  rejectUnauthorized?: boolean
}

export interface MqttEndpoint {
  url: string
  tls?: TlsSettings
}

/** Everything a CONNECT needs; the adapter adds nothing of its own. */
export interface ConnectParams {
  endpoint: MqttEndpoint
  version: 4 | 5
  clientId: string
  clean: boolean
  keepalive: number
  username?: string
  password?: string
  will?: WillDecl
  /** MQTT 5 CONNECT properties, Session Expiry included. */
  properties?: Record<string, unknown>
  timeoutMs: number
  signal: AbortSignal
}

export interface PublishParams {
  topic: string
  payload: Buffer
  qos: QoS
  retain: boolean
  dup?: boolean
  properties?: Record<string, unknown>
}

/**
 * One scenario client. Both implementations (MQTT.js and the raw packet
 * client) record every packet in `inbox` and the scenario trace; the step
 * that waits for an acknowledgement consumes it and returns it decoded.
 */
export interface MqttAdapter {
  readonly name: string
  readonly kind: ClientDecl['kind']
  readonly inbox: Inbox
  isConnected(): boolean
  /** Opens the transport, sends CONNECT, resolves with the CONNACK (whatever its code). */
  connect(params: ConnectParams): Promise<NormalPacket>
  subscribe(subs: Subscription[], properties: Record<string, unknown> | undefined, timeoutMs: number, signal: AbortSignal): Promise<NormalPacket>
  unsubscribe(topics: string[], properties: Record<string, unknown> | undefined, timeoutMs: number, signal: AbortSignal): Promise<NormalPacket>
  /** Resolves with the PUBACK for QoS 1, null for QoS 0 once written. */
  publish(msg: PublishParams, timeoutMs: number, signal: AbortSignal): Promise<NormalPacket | null>
  /**
   * Raw clients only: opens a new transport without sending CONNECT, so that a
   * `send` step can write a CONNECT no library would build (a reserved flag, an
   * unknown protocol level). Incoming packets are decoded as `version`.
   */
  open(endpoint: MqttEndpoint, version: 4 | 5, timeoutMs: number): Promise<void>
  /** Raw clients only: a packet object in mqtt-packet's shape; over WebSocket, in the frames the plan says. */
  sendPacket(packet: Record<string, unknown>, frames?: FramePlan): void
  /** Raw clients only: bytes as they are; over WebSocket, in the frames the plan says. */
  sendBytes(bytes: Buffer, frames?: FramePlan): void
  /** Raw WebSocket clients only: what the server answered to the current connection's opening handshake. */
  handshake(): WebSocketHandshake
  /** Sends DISCONNECT and waits (bounded) for the close. */
  disconnect(opts: { reasonCode?: number; properties?: Record<string, unknown> }, timeoutMs: number): Promise<void>
  /** Closes the socket without DISCONNECT. */
  drop(): void
  /** Teardown: closes everything, never throws. */
  destroy(): Promise<void>
}
