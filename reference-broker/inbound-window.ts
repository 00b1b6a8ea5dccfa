/**
 * The QoS 1 and QoS 2 PUBLISHes a client sent that the broker has not finished
 * acknowledging, by packet identifier [QOS1-INFLIGHT-100]. A QoS 1 PUBLISH is
 * open until its PUBACK goes out, a QoS 2 one until its PUBCOMP (or a PUBREC
 * with a failure code). Its size is what Receive Maximum bounds [MQTT-3.3.4-9];
 * `unanswered` counts those still waiting for their first answer (PUBACK or
 * PUBREC), which a closing connection sends before its DISCONNECT.
 */
export class InboundWindow {
  /** Packet id → the first answer (PUBREC) went out, the QoS 2 exchange waits for PUBREL. */
  private readonly open = new Map<number, boolean>()
  private waiting: (() => void)[] = []
  private unansweredCount = 0

  get size(): number {
    return this.open.size
  }

  get unanswered(): number {
    return this.unansweredCount
  }

  has(messageId: number): boolean {
    return this.open.has(messageId)
  }

  /** A QoS 1 or 2 PUBLISH went to the broker. A resent id that is still open is not counted twice. */
  opened(messageId: number): void {
    if (this.open.has(messageId)) return
    this.open.set(messageId, false)
    this.unansweredCount++
  }

  /** A PUBREC went out: answered; the exchange stays open until the PUBCOMP. */
  answered(messageId: number): void {
    if (this.open.get(messageId) !== false) return
    this.open.set(messageId, true)
    this.unansweredCount--
    this.wake()
  }

  /** A PUBACK, a PUBCOMP or a failed PUBREC went out: the exchange is over. */
  closed(messageId: number): void {
    const answered = this.open.get(messageId)
    if (answered === undefined) return
    this.open.delete(messageId)
    if (!answered) this.unansweredCount--
    this.wake()
  }

  /** Calls `fn` once every open PUBLISH has had its first answer (at once if none waits). */
  whenAnswered(fn: () => void): void {
    if (this.unansweredCount === 0) return fn()
    this.waiting.push(fn)
  }

  private wake(): void {
    if (this.unansweredCount > 0 || this.waiting.length === 0) return
    const waiting = this.waiting
    this.waiting = []
    for (const fn of waiting) fn()
  }
}

/** Packet identifier and reason code of a PUBACK, PUBREC or PUBCOMP frame (any Remaining Length encoding). */
export function ackOf(frame: Buffer): { messageId: number; reasonCode: number } {
  let pos = 1
  let remaining = 0
  for (let shift = 0; pos < frame.length; shift += 7) {
    const byte = frame[pos++]!
    remaining += (byte & 0x7f) << shift
    if ((byte & 0x80) === 0) break
  }
  const messageId = frame.readUInt16BE(pos)
  return { messageId, reasonCode: remaining > 2 ? frame[pos + 2]! : 0 }
}
