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

export interface DirectSend {
  messageId?: number
  /** Resolves when the client's PUBACK for this packet arrives (QoS 1), at once for QoS 0. */
  acked: Promise<void>
  cancel(): void
}

/** A QoS 0 send: nothing to wait for, nothing to cancel. */
const QOS0_SENT: DirectSend = Object.freeze({ acked: Promise.resolve(), cancel: () => {} })

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
    const version = this.port.version()
    const messageId = message.qos === 0 ? undefined : this.port.nextMessageId()
    // [DM-MQTT311-PROPS-DROPPED] a 3.1.1 receiver gets no MQTT 5 property.
    const properties = version === 5 ? message.properties : undefined
    const frame = properties
      ? encode({ cmd: 'publish', topic: message.topic, payload: message.payload, qos: message.qos, retain: false, dup: false, messageId, properties }, version)
      : encodeBarePublish(message.topic, message.payload, message.qos, messageId, version)
    if (messageId === undefined) {
      this.port.writeOut(frame)
      return QOS0_SENT
    }
    const acked = new Promise<void>((resolve) => { this.waiting.set(messageId, resolve) })
    this.port.trackInflight(messageId)
    this.port.writeOut(frame)
    return new PendingSend(this, messageId, acked)
  }

  /** Forgets a QoS 1 send nobody waits for any more: its PUBACK, should it come, is aedes' business no longer. */
  cancel(messageId: number): void {
    this.waiting.delete(messageId)
    this.port.releaseInflight(messageId)
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

/** A QoS 1 send waiting for its PUBACK (a class: no closure per direct message). */
class PendingSend implements DirectSend {
  constructor(private readonly delivery: DirectDelivery, readonly messageId: number, readonly acked: Promise<void>) {}

  cancel(): void {
    this.delivery.cancel(this.messageId)
  }
}
