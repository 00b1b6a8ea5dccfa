import { encode, type ProtocolVersion } from './mqtt-codec.js'

/** What direct delivery needs from its connection. */
export interface DirectDeliveryPort {
  version(): ProtocolVersion
  /** Takes one publish from the connection's quota; false when it is spent [DM-STATUS-429]. */
  takeQuota(): boolean
  nextMessageId(): number
  trackInflight(messageId: number): void
  releaseInflight(messageId: number): void
  writeOut(frame: Buffer): void
}

export interface DirectMessage {
  topic: string
  payload: Buffer
  qos: 0 | 1
  properties?: Record<string, unknown>
}

export interface DirectSend {
  messageId?: number
  /** Resolves when the client's PUBACK for this packet arrives (QoS 1), at once for QoS 0. */
  acked: Promise<void>
  cancel(): void
}

/**
 * PUBLISHes the HTTP data plane sends to one client on its existing
 * connection, outside any subscription [DM-NO-SUBSCRIPTION-REQUIRED], and the
 * PUBACKs that answer them (which aedes never sees: it did not send them).
 */
export class DirectDelivery {
  private readonly waiting = new Map<number, () => void>()

  constructor(private readonly port: DirectDeliveryPort) {}

  /** Returns null when the connection's publish quota is spent. */
  send(message: DirectMessage): DirectSend | null {
    if (!this.port.takeQuota()) return null
    const packet: Record<string, unknown> = { cmd: 'publish', topic: message.topic, payload: message.payload, qos: message.qos, retain: false, dup: false }
    if (this.port.version() === 5 && message.properties) packet.properties = message.properties // [DM-MQTT311-PROPS-DROPPED]
    if (message.qos === 0) {
      this.port.writeOut(encode(packet, this.port.version()))
      return { acked: Promise.resolve(), cancel: () => {} }
    }
    const messageId = this.port.nextMessageId()
    packet.messageId = messageId
    const acked = new Promise<void>((resolve) => this.waiting.set(messageId, resolve))
    this.port.trackInflight(messageId)
    this.port.writeOut(encode(packet, this.port.version()))
    return { messageId, acked, cancel: () => { this.waiting.delete(messageId); this.port.releaseInflight(messageId) } }
  }

  /** Consumes a PUBACK that answers a direct message; false when it is aedes'. */
  acked(messageId: number): boolean {
    const resolve = this.waiting.get(messageId)
    if (!resolve) return false
    this.waiting.delete(messageId)
    resolve()
    return true
  }
}
