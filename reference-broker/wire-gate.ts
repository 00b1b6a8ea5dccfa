import { Duplex } from 'node:stream'
import { randomUUID } from 'node:crypto'
import type { Profile } from './profile.js'
import { FrameDecoder, FrameSplitter, PT, encode, frameType, type ProtocolVersion } from './mqtt-codec.js'
import { OutboundShaper } from './outbound-shaper.js'
import { RateLimiter } from './rate-limiter.js'
import { ByteBudget } from './byte-budget.js'
import { RC } from './reason-codes.js'
import { GateSubscriptions } from './gate/subscriptions.js'
import type { AcceptedConnect, ConnectionState, GateConnection, GateHandlers, GateHost, GateInfo } from './gate/connection.js'
import { gateHandlers } from './gate/registry.js'
import { Deadline } from './gate/deadline.js'
import { DirectDelivery, type DirectMessage, type DirectSend } from './direct-delivery.js'
import { InboundWindow } from './inbound-window.js'
import { isOneQos0Publish } from './chunked-frame.js'

/**
 * One client connection as AWS IoT Core handles it. Sits between the socket
 * and aedes: every whole frame, inbound or outbound, goes to the handler of its
 * packet type (gate/registry.ts: gate/inbound/, gate/outbound/), which sees the
 * connection through GateConnection (gate/connection.ts). Violations are
 * answered here (DISCONNECT with the documented reason code, written only after
 * the CONNACK so it is never lost: aedes 2.0.0-beta.1 defect 3). This file keeps
 * the connection's state, the byte plumbing between socket and aedes, and closing.
 */
export class WireGate implements GateConnection {
  readonly aedesSide: Duplex
  readonly id = randomUUID()
  version: ProtocolVersion = 4
  clientId: string | null = null
  /** Effective keep-alive in seconds after the AWS clamp [KA-RANGE-30-1200]. */
  keepAlive = 0
  /** Keep Alive the client asked for in its CONNECT, before the clamp. */
  requestedKeepAlive = 0
  cleanStart = true
  state: ConnectionState = 'awaiting-connect'
  closeReason: string | null = null
  readonly connectedAt = Date.now()

  /** The CONNACK said Session Present 1. */
  sessionResumed = false
  /** The successful CONNACK has been written to the client. */
  connackSent = false

  // What the packet handlers read (GateConnection); they change it only through the methods below.
  readonly profile: Profile
  readonly handlers: GateHandlers
  inDecoder = new FrameDecoder(4)
  outDecoder = new FrameDecoder(4)
  /** Created when the CONNECT is accepted. */
  shaper: OutboundShaper | null = null
  readonly rate: RateLimiter
  readonly aliases = new Map<number, string>()
  readonly subs: GateSubscriptions
  endSessionAtClose = false
  /** The CONNECT resumes a stored session (Session Present 1) [PS-CREATE-311] [PS-CREATE-V5]. */
  resumesSession = false
  /** The client's QoS 1/2 PUBLISHes aedes has not acknowledged yet (Receive Maximum, orderly close). */
  readonly inbound = new InboundWindow()

  /** A violation seen before the CONNACK went out: sent right after it. */
  private pendingDisconnect: { code: number; reasonString?: string } | null = null
  private sawDisconnect = false
  private readonly inSplitter: FrameSplitter
  private readonly outSplitter: FrameSplitter
  /** [LIM-THROUGHPUT-512KIB] bytes read from the client; null = unlimited. */
  private readonly inBudget: ByteBudget | null
  /** Set while reading is paused for the byte budget. */
  private inThrottle: NodeJS.Timeout | null = null
  /** The connect deadline, then the keep-alive deadline [KA-TIMEOUT-1.5X]. */
  private readonly deadline = new Deadline(() => this.onKeepAliveTimeout())
  readonly direct: DirectDelivery = new DirectDelivery({
    version: () => this.version,
    takeQuota: (): boolean => this.state === 'connected' && this.handlers.directQuota(this),
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
    this.handlers = gateHandlers(host.faults)
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
      onFrame: (f) => { try { this.onInbound(f) } catch (err) { this.internalError('inbound', err) } },
      onTooLarge: (n) => this.violation(RC.PACKET_TOO_LARGE, 'packet-too-large', `packet of ${n} bytes exceeds ${this.profile.mqtt.maximumPacketSize}`),
      onMalformed: (why) => this.violation(RC.MALFORMED_PACKET, 'malformed-packet', why),
    })
    this.outSplitter = new FrameSplitter({ onFrame: (f) => { try { this.onOutbound(f) } catch (err) { this.internalError('outbound', err) } } })
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

  // ---- the handlers of each packet type (gate/registry.ts) ------------------------------

  /** A whole frame from the client: its handler checks it before aedes sees it (gate/inbound/). */
  private onInbound(frame: Buffer): void {
    if (this.state === 'closing' || this.state === 'closed') return
    if (this.keepAlive > 0) this.armKeepAlive(this.keepAlive * this.profile.mqtt.keepAlive.timeoutFactor * 1000)
    if (this.state !== 'awaiting-connect') return this.handlers.inbound[frameType(frame)]!(this, frame)
    if (frameType(frame) !== PT.CONNECT) return this.closeNow('packet-before-connect')
    this.handlers.connect(this, frame)
  }

  /** A whole frame aedes writes to the client (gate/outbound/). */
  private onOutbound(frame: Buffer): void {
    // After an internal error the connection is being closed: aedes' late CONNACK must not register it.
    if (this.state === 'closed' || this.closeReason === 'internal-error') return
    this.handlers.outbound[frameType(frame)]!(this, frame)
  }

  // ---- what the handlers change (GateConnection) -----------------------------------------

  identify(version: ProtocolVersion, clientId: string | null, cleanStart: boolean, requestedKeepAlive: number): void {
    this.version = version
    this.inDecoder = new FrameDecoder(version)
    this.outDecoder = new FrameDecoder(version)
    this.clientId = clientId
    this.cleanStart = cleanStart
    this.requestedKeepAlive = requestedKeepAlive
  }

  refuseConnect(refuse: { reason: string; v5: number; v311: number | null; detail?: string }): void {
    this.host.log.info({ event: 'connect-refused', clientId: this.clientId, version: this.version, reason: refuse.reason, detail: refuse.detail, ...this.info })
    this.closeReason = refuse.reason
    this.state = 'closing'
    this.inSplitter.stop()
    if (this.version === 5) {
      this.socket.write(encode({ cmd: 'connack', sessionPresent: false, reasonCode: refuse.v5 }, 5))
    } else if (refuse.v311 !== null) {
      this.socket.write(encode({ cmd: 'connack', sessionPresent: false, returnCode: refuse.v311 }, this.version))
    }
    this.endSocket()
    this.aedesSide.destroy()
  }

  acceptConnect(accepted: AcceptedConnect): void {
    this.keepAlive = accepted.keepAlive
    this.endSessionAtClose = accepted.endSessionAtClose
    this.resumesSession = accepted.resumesSession
    this.shaper = new OutboundShaper({
      ...accepted.shaper,
      version: this.version,
      write: (f) => this.writeOut(f),
      bufferedBytes: () => this.bufferedTowardsClient(),
      bytesTaken: () => this.bytesTakenByClient(),
      injectPuback: (id) => this.injectPuback(id),
      onSlowConsumer: (why) => {
        this.host.log.info({ event: 'rejected', clientId: this.clientId, reason: 'slow-consumer', ...why })
        this.closeNow('slow-consumer')
      },
      onDrop: (reason, count) => this.host.log.info({ event: 'drop', clientId: this.clientId, reason, count }),
      countOutboundPublish: () => this.rate.forceTake(),
    })
    this.state = 'connecting'
    this.armKeepAlive(this.profile.server.connectTimeoutMs)
  }

  connected(frame: Buffer, sessionPresent: boolean, assignedClientId: string | undefined): void {
    if (assignedClientId !== undefined) this.clientId = assignedClientId
    this.state = 'connected'
    this.armKeepAlive(this.keepAlive * this.profile.mqtt.keepAlive.timeoutFactor * 1000)
    if (sessionPresent) this.shaper?.startReplay()
    this.sessionResumed = sessionPresent
    this.host.log.info({ event: 'connect', clientId: this.clientId, version: this.version, cleanStart: this.cleanStart, sessionPresent, keepAlive: this.keepAlive, ...this.info })
    this.host.onConnected(this)
    this.writeOut(frame)
    this.connackSent = true
    if (this.pendingDisconnect) this.sendDisconnect(this.pendingDisconnect.code, this.pendingDisconnect.reasonString)
  }

  connectRefusedByAedes(code: number, frame: Buffer): void {
    this.closeReason = `connack-refused-${code}`
    this.state = 'closing'
    this.writeOut(frame)
  }

  closingByServer(reason: string): void {
    this.closeReason ??= reason
    if (this.state === 'connected') this.state = 'closing'
  }

  sawClientDisconnect(): void {
    this.sawDisconnect = true
  }

  // ---- towards aedes ---------------------------------------------------------------------

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
  writeOut(frame: Buffer): void {
    if (this.state === 'closed' || this.socket.destroyed || this.socket.writableEnded) return
    const type = frameType(frame)
    this.outBytes += frame.length
    if (type !== PT.PUBLISH && type !== PT.PUBACK) {
      this.socket.write(frame)
      return this.flushOut()
    }
    if (!this.outCorked) {
      this.outCorked = true
      this.socket.cork()
      setImmediate(this.flushOut)
    }
    this.outCorkedBytes += frame.length
    this.socket.write(frame)
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
    if (this.shaper === null || !this.handlers.dropsQos0Early || this.state !== 'connected') return false
    return this.shaper.overSoftLimit() && this.shaper.dropQos0()
  }

  /** Drops `pieces` when they are one whole QoS 0 PUBLISH the shaper would drop anyway (slow reader). */
  dropsQos0Unjoined(pieces: readonly Buffer[]): boolean {
    if (this.shaper === null || !this.handlers.dropsQos0Early || this.state !== 'connected' || !this.outSplitter.atFrameStart) return false
    return this.shaper.overSoftLimit() && isOneQos0Publish(pieces) && this.shaper.dropQos0()
  }

  /** Bytes the client has taken so far: written minus still waiting in the socket (the slow-reader rule's progress). */
  bytesTakenByClient(): number {
    return this.outBytes - this.socket.writableLength
  }

  injectPuback(messageId: number): void {
    this.forward(encode({ cmd: 'puback', messageId }, this.version))
  }

  // ---- towards the client -----------------------------------------------------------------

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
    const properties = { reasonString: this.handlers.disconnectReasonString(code, reasonString) } // [M5-REASON-STRING-FORMAT]
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
  private armKeepAlive(ms: number): void {
    this.deadline.arm(ms)
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
    this.deadline.stop()
    if (this.inThrottle) clearTimeout(this.inThrottle)
    this.inThrottle = null
    this.closeReason ??= this.sawDisconnect ? 'client-disconnect' : 'connection-lost'
    const lost = this.closeReason === 'connection-lost' || this.closeReason.startsWith('connection-error')
    if (lost && this.shaper !== null && !this.aedesSide.destroyed) this.handlers.connectionLost(this) // [LWT-ON-UNGRACEFUL]
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

export type { GateHost, GateInfo, Transport } from './gate/connection.js'
