import { encode, encodeBarePublish, type ProtocolVersion } from './mqtt-codec.js'

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

/** Told when a direct message is acknowledged (an object, not a callback: no closure per message). */
export interface AckListener {
  acked(): void
}

export interface DirectSend {
  messageId?: number
  /**
   * Tells `listener` (one per send) when the client's PUBACK for this packet
   * arrives (QoS 1): at once when it already has, or for a QoS 0 send.
   */
  whenAcked(listener: AckListener): void
  cancel(): void
}

/** A send with nothing to wait for and nothing to cancel (QoS 0, or a message a deviation drops). */
export const NOTHING_TO_ACK: DirectSend = Object.freeze({ whenAcked: (listener: AckListener) => listener.acked(), cancel: () => {} })

/**
 * PUBLISHes the HTTP data plane sends to one client on its existing
 * connection, outside any subscription [DM-NO-SUBSCRIPTION-REQUIRED], and the
 * PUBACKs that answer them (which aedes never sees: it did not send them).
 */
export class DirectDelivery {
  private readonly waiting = new Map<number, PendingSend>()

  constructor(private readonly port: DirectDeliveryPort) {}

  /** Returns null when the connection's publish quota is spent. */
  send(message: DirectMessage): DirectSend | null {
    if (!this.port.takeQuota()) return null
    const version = this.port.version()
    const messageId = message.qos === 0 ? undefined : this.port.nextMessageId()
    // [DM-MQTT311-PROPS-DROPPED] a 3.1.1 receiver gets no MQTT 5 property.
    const properties = version === 5 ? message.properties : undefined
    const frame = properties
      ? encode({ cmd: 'publish', topic: message.topic, payload: message.payload, qos: message.qos, retain: false, dup: false, messageId, properties }, version)
      : encodeBarePublish(message.topic, message.payload, message.qos, messageId, version)
    if (messageId === undefined) {
      this.port.writeOut(frame)
      return NOTHING_TO_ACK
    }
    const pending = new PendingSend(this, messageId)
    this.waiting.set(messageId, pending)
    this.port.trackInflight(messageId)
    this.port.writeOut(frame)
    return pending
  }

  /** Forgets a QoS 1 send nobody waits for any more: its PUBACK, should it come, is aedes' business no longer. */
  cancel(messageId: number): void {
    this.waiting.delete(messageId)
    this.port.releaseInflight(messageId)
  }

  /** Consumes a PUBACK that answers a direct message; false when it is aedes'. */
  acked(messageId: number): boolean {
    const pending = this.waiting.get(messageId)
    if (!pending) return false
    this.waiting.delete(messageId)
    pending.acked()
    return true
  }
}

/** A QoS 1 send waiting for its PUBACK (a class: no closure, no promise per direct message). */
class PendingSend implements DirectSend, AckListener {
  private listener: AckListener | null = null
  private ackedAlready = false

  constructor(private readonly delivery: DirectDelivery, readonly messageId: number) {}

  whenAcked(listener: AckListener): void {
    if (this.ackedAlready) return listener.acked()
    this.listener = listener
  }

  /** The PUBACK arrived. */
  acked(): void {
    this.ackedAlready = true
    const { listener } = this
    this.listener = null
    listener?.acked()
  }

  cancel(): void {
    this.listener = null
    this.delivery.cancel(this.messageId)
  }
}
