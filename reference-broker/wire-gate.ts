import { Duplex } from 'node:stream'
import { randomUUID } from 'node:crypto'
import type { Profile } from './profile.js'
import { FrameDecoder, FrameSplitter, PT, encode, frameType, type ProtocolVersion } from './mqtt-codec.js'
import type { OutboundShaper } from './outbound-shaper.js'
import { RateLimiter } from './rate-limiter.js'
import { ByteBudget } from './byte-budget.js'
import { RC } from './reason-codes.js'
import { GateSubscriptions } from './gate-subscriptions.js'
import type { GateHost, GateInfo } from './gate-host.js'
import { awsReasonString } from './reason-strings.js'
import type { DeviatedFrames } from './deviated-frames.js'
import { DirectDelivery, type DirectMessage, type DirectSend } from './direct-delivery.js'
import { onInbound } from './gate-inbound.js'
import { onOutbound } from './gate-outbound.js'
import { InboundWindow } from './inbound-window.js'
import { isOneQos0Publish } from './chunked-frame.js'
import { headOf, splitPublish, type OutFrame } from './split-frame.js'

type State = 'awaiting-connect' | 'connecting' | 'connected' | 'closing' | 'closed'

/**
 * One client connection as AWS IoT Core handles it. Sits between the socket
 * and aedes: every inbound frame is checked against the profile before aedes
 * sees it (gate-inbound.ts), violations are answered here (DISCONNECT with the
 * documented reason code, written only after the CONNACK so it is never lost:
 * aedes 2.0.0-beta.1 defect 3), and outbound frames are shaped (gate-outbound.ts:
 * CONNACK properties, replay pacing, in-flight cap). This file keeps the
 * connection's state, the byte plumbing between socket and aedes, and closing.
 */
export class WireGate {
  readonly aedesSide: Duplex
  readonly id = randomUUID()
  version: ProtocolVersion = 4
  clientId: string | null = null
  /** Effective keep-alive in seconds after the AWS clamp [KA-RANGE-30-1200]. */
  keepAlive = 0
  /** Keep Alive the client asked for in its CONNECT, before the clamp. */
  requestedKeepAlive = 0
  cleanStart = true
  state: State = 'awaiting-connect'
  closeReason: string | null = null
  readonly connectedAt = Date.now()

  /** The CONNACK said Session Present 1. */
  sessionResumed = false
  /** The successful CONNACK has been written to the client. */
  connackSent = false

  // Connection state the gate's halves (gate-inbound.ts, gate-outbound.ts) read and set; not for other modules.
  readonly profile: Profile
  readonly inSplitter: FrameSplitter
  inDecoder = new FrameDecoder(4)
  outDecoder = new FrameDecoder(4)
  /** Outbound rewrites of the deliberate deviations; null in normal use. */
  deviated: DeviatedFrames | null = null
  /** Created when the CONNECT is accepted. */
  shaper: OutboundShaper | null = null
  readonly rate: RateLimiter
  aliases = new Map<number, string>()
  readonly subs: GateSubscriptions
  /** A violation seen before the CONNACK went out: sent right after it. */
  pendingDisconnect: { code: number; reasonString?: string } | null = null
  endSessionAtClose = false
  /** The CONNECT resumes a stored session (Session Present 1) [PS-CREATE-311] [PS-CREATE-V5]. */
  resumesSession = false
  sawDisconnect = false
  /** The client's QoS 1/2 PUBLISHes aedes has not acknowledged yet (Receive Maximum, orderly close). */
  readonly inbound = new InboundWindow()

  private readonly outSplitter: FrameSplitter
  /** [LIM-THROUGHPUT-512KIB] bytes read from the client; null = unlimited. */
  private readonly inBudget: ByteBudget | null
  /** Set while reading is paused for the byte budget. */
  private inThrottle: NodeJS.Timeout | null = null
  private keepAliveTimer: NodeJS.Timeout | null = null
  /** When the connect or keep-alive deadline passes (ms since the epoch); 0 = none. */
  private keepAliveDue = 0
  /** When keepAliveTimer fires; it may be earlier than the deadline, then it re-arms. */
  private keepAliveTimerAt = 0
  readonly direct = new DirectDelivery({
    version: () => this.version,
    takeQuota: () => this.state === 'connected' && (this.rate.tryTake() || this.host.faults.has('dm-receiver-rate-unlimited')),
    nextMessageId: () => this.host.nextMessageId(this),
    trackInflight: (id) => this.shaper?.trackInflight(id),
    releaseInflight: (id) => { this.shaper?.acked(id) },
    writeOut: (f) => this.writeOut(f),
  })
  private sawFirstByte = false
  /** The socket is corked until the end of this event-loop turn (see writeOut). */
  private outCorked = false
  private outCorkedBytes = 0
  /** Bytes given to the socket by writeOut, for bytesTakenByClient. */
  private outBytes = 0
  /** Frames forwarded while one socket read is being split; pushed to aedes in one piece. */
  private batch: Buffer[] | null = null
  private aedesEnded = false

  constructor(readonly socket: Duplex, readonly host: GateHost, readonly info: GateInfo) {
    this.profile = host.profile
    this.rate = new RateLimiter(this.profile.mqtt.publishesPerSecondPerConnection)
    this.inBudget = this.profile.mqtt.throughputBytesPerSecond > 0 ? new ByteBudget(this.profile.mqtt.throughputBytesPerSecond) : null
    this.subs = new GateSubscriptions(this, host)
    const gate = this
    this.aedesSide = new Duplex({
      read() { if (gate.inThrottle === null) gate.socket.resume() },
      write(chunk: Buffer, _enc, cb) { gate.outSplitter.push(chunk); cb() },
      writev(chunks, cb) {
        const pieces = chunks.map((c) => c.chunk as Buffer)
        // A QoS 0 PUBLISH for a reader over its slow-consumer limit is dropped before its payload
        // is copied: with many stalled readers the copies alone would cost the healthy ones.
        if (gate.dropsQos0Unjoined(pieces)) return cb()
        // A PUBLISH with a large payload keeps the payload Buffer aedes shares between subscribers.
        if (gate.publishesUnjoined(pieces)) return cb()
        // aedes writes a packet in several small chunks (it corks its writes): join the batch
        // once rather than let the splitter re-join after every chunk. The frames reach the
        // socket through writeOut, which writes one turn's frames at once.
        gate.outSplitter.push(pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces))
        cb()
      },
      final(cb) { gate.endSocket(); cb() },
      destroy(err, cb) { gate.endSocket(); cb(err) },
    })
    this.inSplitter = new FrameSplitter({
      maxFrameBytes: this.profile.mqtt.maximumPacketSize,
      onFrame: (f) => { try { onInbound(this, f) } catch (err) { this.internalError('inbound', err) } },
      onTooLarge: (n) => this.violation(RC.PACKET_TOO_LARGE, 'packet-too-large', `packet of ${n} bytes exceeds ${this.profile.mqtt.maximumPacketSize}`),
      onMalformed: (why) => this.violation(RC.MALFORMED_PACKET, 'malformed-packet', why),
    })
    this.outSplitter = new FrameSplitter({ onFrame: (f) => { try { onOutbound(this, f) } catch (err) { this.internalError('outbound', err) } } })
    socket.on('data', (chunk: Buffer) => {
      // Nothing a client sends may throw out of here (it would end the process): see internalError.
      try {
        this.onData(chunk)
      } catch (err) {
        this.batch = null
        this.internalError('inbound', err)
      }
    })
    socket.on('end', () => this.onSocketGone())
    socket.on('close', () => this.onSocketGone())
    socket.on('error', (err) => { this.closeReason ??= `connection-error: ${err.message}`; this.onSocketGone() })
    this.armKeepAlive(this.profile.server.connectTimeoutMs)
  }

  // ---- towards aedes (what each client frame does: gate-inbound.ts) -----------------------

  private onData(chunk: Buffer): void {
    // Anything but CONNECT as the first byte is not MQTT: close now rather than
    // wait for a frame that may never complete.
    if (!this.sawFirstByte && chunk.length > 0) {
      this.sawFirstByte = true
      if (chunk[0]! >> 4 !== PT.CONNECT) return this.closeNow('not-mqtt')
    }
    this.batch = []
    this.inSplitter.push(chunk)
    const batch = this.batch
    this.batch = null
    // aedes parses what it is given at once, so a throw inside aedes lands here too.
    if (batch && batch.length > 0) this.pushToAedes(batch.length === 1 ? batch[0]! : Buffer.concat(batch))
    if (this.inBudget !== null && !this.inBudget.take(chunk.length)) this.throttleInbound()
  }

  qos2Reaction(): string {
    const q = this.profile.mqtt.qos2
    return this.version === 5 ? q.mqtt5Publish : q.mqtt311
  }

  /** Passes a frame to aedes; pauses the socket while aedes is not reading. */
  forward(frame: Buffer): void {
    if (this.batch) this.batch.push(frame)
    else this.pushToAedes(frame)
  }

  private pushToAedes(bytes: Buffer): void {
    if (this.aedesEnded || this.aedesSide.destroyed) return
    if (!this.aedesSide.push(bytes)) this.socket.pause()
  }

  /**
   * [LIM-THROUGHPUT-512KIB] The bytes read so far are over the connection's budget: stop
   * reading until it refills (the excess is delayed, never dropped). Reading resumes then
   * unless aedes is still full, in which case its next read() resumes it.
   */
  private throttleInbound(): void {
    if (this.inThrottle !== null || this.state === 'closed') return
    this.socket.pause()
    this.inThrottle = setTimeout(() => {
      this.inThrottle = null
      if (this.state !== 'closed' && this.aedesSide.readableLength < this.aedesSide.readableHighWaterMark) this.socket.resume()
    }, this.inBudget!.waitMs())
  }

  /** Ends aedes' input: frames accepted before the end still reach it first. */
  private endAedesInput(): void {
    if (this.aedesEnded) return
    const batch = this.batch
    this.batch = null
    if (batch && batch.length > 0) this.pushToAedes(Buffer.concat(batch))
    this.aedesEnded = true
    if (!this.aedesSide.destroyed) this.aedesSide.push(null)
  }

  /**
   * Writes a frame to the client. PUBLISH and PUBACK frames written in one turn of the event
   * loop (aedes writes every delivery and every PUBACK from its own setImmediate) leave in one
   * write at its end instead of one syscall each. Any other frame (CONNACK, SUBACK, PINGRESP,
   * ...) leaves at once, with whatever waited before it: a client that only starts listening
   * for messages once its CONNACK or SUBACK arrived still reads that packet on its own.
   */
  writeOut(frame: OutFrame): void {
    if (this.state === 'closed' || this.socket.destroyed || this.socket.writableEnded) return
    const type = frameType(headOf(frame))
    this.outBytes += frame.length
    if (!Buffer.isBuffer(frame)) {
      // A split PUBLISH (split-frame.ts): its two pieces, corked like any PUBLISH; the shared
      // payload is written by reference, never copied.
      this.corkOut(frame.length)
      this.socket.write(frame.head)
      this.socket.write(frame.payload)
      return
    }
    if (type !== PT.PUBLISH && type !== PT.PUBACK) {
      this.socket.write(frame)
      return this.flushOut()
    }
    this.corkOut(frame.length)
    this.socket.write(frame)
  }

  /** Corks the socket until the end of this event-loop turn (if not yet) for `bytes` more. */
  private corkOut(bytes: number): void {
    if (!this.outCorked) {
      this.outCorked = true
      this.socket.cork()
      setImmediate(this.flushOut)
    }
    this.outCorkedBytes += bytes
  }

  private readonly flushOut = (): void => {
    if (!this.outCorked) return
    this.outCorked = false
    this.outCorkedBytes = 0
    this.socket.uncork()
  }

  /** Bytes the client has not taken yet (frames waiting for this turn's write are not its backlog). */
  bufferedTowardsClient(): number {
    return this.socket.writableLength - this.outCorkedBytes
  }

  /** Counts a QoS 0 delivery as dropped, and says so, when this client is over its slow-consumer limit. */
  dropsQos0ForSlowReader(): boolean {
    if (this.shaper === null || this.deviated !== null || this.state !== 'connected') return false
    return this.shaper.overSoftLimit() && this.shaper.dropQos0()
  }

  /** Drops `pieces` when they are one whole QoS 0 PUBLISH the shaper would drop anyway (slow reader). */
  dropsQos0Unjoined(pieces: readonly Buffer[]): boolean {
    if (this.shaper === null || this.deviated !== null || this.state !== 'connected' || !this.outSplitter.atFrameStart) return false
    return this.shaper.overSoftLimit() && isOneQos0Publish(pieces) && this.shaper.dropQos0()
  }

  /**
   * Hands `pieces` to the shaper as a split frame when they are one whole PUBLISH with a large
   * payload (split-frame.ts) on a connected, undeviated connection; false when the caller must
   * join them and go the usual way (gate-outbound.ts), which this mirrors for PUBLISH.
   * TCP and TLS only: over WebSocket each write is its own message, and every packet stays in one.
   */
  publishesUnjoined(pieces: readonly Buffer[]): boolean {
    if (this.info.transport === 'ws' || this.shaper === null || this.deviated !== null || this.state !== 'connected' || !this.outSplitter.atFrameStart) return false
    const frame = splitPublish(pieces)
    if (frame === null) return false
    try {
      this.shaper.publish(frame)
    } catch (err) {
      this.internalError('outbound', err)
    }
    return true
  }

  /** Bytes the client has taken so far: written minus still waiting in the socket (the slow-reader rule's progress). */
  bytesTakenByClient(): number {
    return this.outBytes - this.socket.writableLength
  }

  injectPuback(messageId: number): void {
    this.forward(encode({ cmd: 'puback', messageId }, this.version))
  }

  // ---- towards the client (what each aedes frame does: gate-outbound.ts) ------------------

  /** The absolute Message Expiry of a stored message aedes is sending with this packet id [MEI-REMAINING]. */
  noteExpiry(messageId: number, expiresAt: number): void {
    this.shaper?.noteExpiry(messageId, expiresAt)
  }

  /** aedes finished writing the stored backlog: later PUBLISHes are live traffic. */
  onClientReady(): void {
    this.shaper?.endReplayPhase()
  }

  // ---- direct delivery (used by the HTTP data plane) -------------------------------------

  /**
   * Sends a PUBLISH to this client on its existing connection, outside any
   * subscription. For QoS 1 `acked` resolves when the client's PUBACK for this
   * packet arrives. Returns null when the connection's publish quota is spent.
   */
  sendDirect(message: DirectMessage): DirectSend | null {
    return this.direct.send(message)
  }

  /** Whether this connection has publish quota left this second [DM-STATUS-429]. */
  publishQuotaAvailable(): boolean {
    return this.rate.available()
  }

  /**
   * Ends this connection for the DeleteConnection API [API-DELETE-CONNECTION]:
   * MQTT 5 clients get DISCONNECT 0x98 (Administrative action) first, 3.1.1
   * clients a close. aedes then publishes the Will as for any server-side close,
   * unless the caller removed it beforehand (preventWillMessage).
   */
  disconnectByApi(): void {
    if (this.state === 'closing' || this.state === 'closed') return
    this.host.log.info({ event: 'api-disconnect', clientId: this.clientId })
    this.closeReason = 'api-disconnect'
    this.inSplitter.stop()
    if (this.version === 5 && this.state === 'connected') return this.sendDisconnect(RC.ADMINISTRATIVE_ACTION)
    this.closeNow('api-disconnect')
  }

  // ---- closing ---------------------------------------------------------------------------

  /**
   * A protocol violation: MQTT 5 clients get DISCONNECT with the reason code
   * (after the CONNACK if it is not out yet), 3.1.1 clients a close.
   */
  violation(code: number, reason: string, reasonString?: string): void {
    if (this.state === 'closing' || this.state === 'closed') return
    this.host.log.info({ event: 'rejected', clientId: this.clientId, reason, code, detail: reasonString })
    this.closeReason = reason
    this.inSplitter.stop()
    // Frames accepted before the violation (e.g. in the same socket read) are handled fully: their
    // PUBACK or PUBREC goes out first, then the DISCONNECT or close. aedes keeps reading until then.
    if (this.state === 'connected' && this.inbound.unanswered > 0) {
      this.state = 'closing'
      let done = false
      const finish = () => {
        if (done) return
        done = true
        if (this.socket.destroyed) return
        if (this.version === 5) this.sendDisconnect(code, reasonString)
        else this.closeNow(reason)
      }
      this.inbound.whenAnswered(finish)
      // aedes answers within a turn or two; a PUBLISH it never answers must not keep the connection.
      setTimeout(finish, 2000).unref()
      return
    }
    if (this.version !== 5 || this.state === 'awaiting-connect') return this.closeNow(reason)
    if (this.state === 'connecting') {
      this.pendingDisconnect = { code, reasonString }
      this.state = 'closing'
      return
    }
    this.sendDisconnect(code, reasonString)
  }

  /**
   * An unexpected error while handling this connection's traffic ends this
   * connection and nothing else: every client packet is checked before use
   * (packet-shape.ts, inbound-checks.ts), so a throw here is our bug. One log
   * line (error level, reason `internal-error`) says where and why. MQTT 5
   * clients get DISCONNECT 0x83 Implementation specific error when their frame
   * was being handled (the packet passed the checks but could not be processed)
   * or 0x80 Unspecified error for the outbound path; before the CONNACK they get
   * CONNACK with that code; MQTT 3.1.1 clients a close. The close runs the usual
   * path (aedes sees the stream end, shared groups and quotas are released).
   */
  internalError(where: 'inbound' | 'outbound', err: unknown): void {
    if (this.state === 'closed') return
    const code = where === 'inbound' ? RC.IMPLEMENTATION_SPECIFIC_ERROR : RC.UNSPECIFIED_ERROR
    const detail = err instanceof Error ? err.message : String(err)
    const wasClosing = this.state === 'closing'
    this.host.log.error({ event: 'rejected', clientId: this.clientId, reason: 'internal-error', code, where, detail })
    this.closeReason = 'internal-error'
    try {
      this.inSplitter.stop()
      if (this.version === 5 && !wasClosing && this.connackSent) return this.sendDisconnect(code)
      if (this.version === 5 && !wasClosing && this.clientId !== null) {
        this.state = 'closing'
        this.socket.write(encode({ cmd: 'connack', sessionPresent: false, reasonCode: code }, 5))
        this.endSocket()
        return this.endAedesInput()
      }
      this.closeNow('internal-error')
    } catch {
      this.socket.destroy()
      this.onSocketGone()
    }
  }

  sendDisconnect(code: number, reasonString?: string): void {
    this.state = 'closing'
    const aws = awsReasonString(code, reasonString)
    // The `reason-string-plain` deviation drops the `DISCONNECT:` prefix AWS uses [M5-REASON-STRING-FORMAT].
    const text = this.host.faults.has('reason-string-plain') ? aws.replace(/^DISCONNECT:\s*/, '') : aws
    const properties = { reasonString: text }
    this.socket.write(encode({ cmd: 'disconnect', reasonCode: code, properties }, 5))
    this.endSocket()
    this.endAedesInput()
  }

  /** Closes without a DISCONNECT (3.1.1, or before CONNECT). */
  closeNow(reason: string): void {
    if (this.state === 'closed') return
    this.closeReason ??= reason
    if (reason !== this.closeReason) this.host.log.info({ event: 'rejected', clientId: this.clientId, reason })
    this.inSplitter.stop()
    this.state = 'closing'
    // Frames already written in this turn (see writeOut) go out first.
    this.flushOut()
    this.socket.destroy()
    this.onSocketGone()
  }

  endSocket(): void {
    if (this.socket.destroyed) return
    this.socket.end()
    // A peer that never closes its side must not keep the socket open.
    setTimeout(() => this.socket.destroy(), 2000).unref()
  }

  /** (Re)starts the connect or keep-alive deadline: `ms` from now; 0 = none. */
  armKeepAlive(ms: number): void {
    if (ms <= 0) {
      this.keepAliveDue = 0
      if (this.keepAliveTimer) clearTimeout(this.keepAliveTimer)
      this.keepAliveTimer = null
      return
    }
    const due = Date.now() + ms
    this.keepAliveDue = due
    // Every inbound frame moves the deadline: a timer that fires no later than it is kept (it
    // re-arms itself for the rest) instead of replacing a timer per frame.
    if (this.keepAliveTimer !== null && this.keepAliveTimerAt <= due) return
    this.startKeepAliveTimer(ms)
  }

  private startKeepAliveTimer(ms: number): void {
    if (this.keepAliveTimer) clearTimeout(this.keepAliveTimer)
    this.keepAliveTimerAt = Date.now() + ms
    this.keepAliveTimer = setTimeout(() => this.onKeepAliveTimer(), ms)
    this.keepAliveTimer.unref()
  }

  private onKeepAliveTimer(): void {
    this.keepAliveTimer = null
    if (this.keepAliveDue === 0) return
    const left = this.keepAliveDue - Date.now()
    if (left > 0) return this.startKeepAliveTimer(left)
    this.onKeepAliveTimeout()
  }

  private onKeepAliveTimeout(): void {
    if (this.state === 'awaiting-connect' || this.state === 'connecting') return this.closeNow('connect-timeout')
    if (this.state !== 'connected') return
    // [KA-TIMEOUT-1.5X] DISCONNECT 0x8D on MQTT 5, then the Will is published (not a clean DISCONNECT).
    this.host.log.info({ event: 'rejected', clientId: this.clientId, reason: 'keepalive-timeout' })
    this.closeReason = 'keepalive-timeout'
    if (this.version === 5) this.sendDisconnect(RC.KEEP_ALIVE_TIMEOUT)
    else this.closeNow('keepalive-timeout')
  }

  private onSocketGone(): void {
    if (this.state === 'closed') return
    this.state = 'closed'
    this.inSplitter.stop()
    this.outSplitter.stop()
    this.shaper?.close()
    if (this.keepAliveTimer) clearTimeout(this.keepAliveTimer)
    if (this.inThrottle) clearTimeout(this.inThrottle)
    this.inThrottle = null
    this.closeReason ??= this.sawDisconnect ? 'client-disconnect' : 'connection-lost'
    // The `will-not-on-connection-loss` deviation treats a dropped socket like a DISCONNECT: no Will [LWT-ON-UNGRACEFUL].
    const lost = this.closeReason === 'connection-lost' || this.closeReason.startsWith('connection-error')
    if (lost && this.shaper !== null && this.host.faults.has('will-not-on-connection-loss') && !this.aedesSide.destroyed) {
      this.pushToAedes(encode({ cmd: 'disconnect', reasonCode: 0 }, this.version))
    }
    this.endAedesInput()
    this.subs.close()
    if (this.endSessionAtClose) this.host.endSessionNow(this)
    if (this.clientId !== null) this.host.log.info({ event: 'disconnect', clientId: this.clientId, reason: this.closeReason })
    this.host.onClosed(this)
  }

  /** Marks this connection as displaced by a newer one with the same client id [CID-TAKEOVER]. */
  markTakenOver(): void {
    this.closeReason = 'duplicate-clientid'
  }
}

export type { GateHost, GateInfo, Transport } from './gate-host.js'
