import type { Duplex } from 'node:stream'
import { randomUUID } from 'node:crypto'
import type { Profile } from './profile.js'
import { FrameDecoder, PT, encode, frameType, type ProtocolVersion } from './mqtt-codec.js'
import { OutboundShaper } from './outbound-shaper.js'
import { RateLimiter } from './rate-limiter.js'
import { RC } from './reason-codes.js'
import { GateSubscriptions } from './gate/subscriptions.js'
import type { AcceptedConnect, ClientAsks, GateConnection, GateHandlers, GateHost, GateInfo } from './gate/connection.js'
import { gateHandlers } from './gate/registry.js'
import { Deadline } from './gate/deadline.js'
import { GateSocket } from './gate/gate-socket.js'
import { DirectDelivery, type DirectMessage, type DirectSend } from './direct-delivery.js'
import { InboundWindow } from './inbound-window.js'
import type { OutFrame } from './split-frame.js'
import { takeUnjoined } from './gate/unjoined-publish.js'
import { AuthExchange } from './gate/auth-exchange.js'

/**
 * One client connection as AWS IoT Core handles it. Sits between the socket
 * and aedes: every whole frame, inbound or outbound, goes to the handler of its
 * packet type (gate/registry.ts: gate/inbound/, gate/outbound/), which sees the
 * connection through GateConnection (gate/connection.ts). Violations are
 * answered here (DISCONNECT with the documented reason code, written only after
 * the CONNACK so it is never lost: aedes 2.0.0-beta.1 defect 3). This file keeps
 * the connection's state, its named changes, and closing; the bytes between
 * socket and aedes are GateSocket's (gate/gate-socket.ts).
 */
export class WireGate extends GateSocket implements GateConnection {
  readonly id = randomUUID()
  version: ProtocolVersion = 4
  clientId: string | null = null
  /** Effective keep-alive in seconds after the AWS clamp [KA-RANGE-30-1200]. */
  keepAlive = 0
  /** Keep Alive the client asked for in its CONNECT, before the clamp. */
  requestedKeepAlive = 0
  cleanStart = true
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
  /** The Maximum Packet Size of the client's MQTT 5 CONNECT, once accepted [M5-MAX-PACKET-SIZE]. */
  private clientMaximumPacketSize: number | undefined = undefined
  endSessionAtClose = false
  /** The CONNECT resumes a stored session (Session Present 1) [PS-CREATE-311] [PS-CREATE-V5]. */
  resumesSession = false
  problemInformation = true
  /** The client's QoS 1/2 PUBLISHes aedes has not acknowledged yet (Receive Maximum, orderly close). */
  readonly inbound = new InboundWindow()

  /** The enhanced authentication the CONNECT started [MQTT5-4.12.0-6]. */
  auth: AuthExchange | null = null
  /** The CONNECT waiting for its AUTH exchange (awaitAuth). */
  private authPending: { accepted: AcceptedConnect; connect: Buffer } | null = null
  /** A violation seen before the CONNACK went out: sent right after it. */
  private pendingDisconnect: { code: number; reasonString?: string } | null = null
  private sawDisconnect = false
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

  constructor(socket: Duplex, readonly host: GateHost, readonly info: GateInfo) {
    const handlers = gateHandlers(host.faults)
    super(socket, { maxFrameBytes: handlers.inboundFrameLimit(host.profile), throughputBytesPerSecond: handlers.inboundThroughput(host.profile) })
    this.profile = host.profile
    this.handlers = handlers
    this.rate = new RateLimiter(this.profile.mqtt.publishesPerSecondPerConnection)
    this.subs = new GateSubscriptions(this, host)
    this.armKeepAlive(this.profile.server.connectTimeoutMs)
  }

  protected onTooLarge(bytes: number): void {
    this.violation(RC.PACKET_TOO_LARGE, 'packet-too-large', `packet of ${bytes} bytes exceeds ${this.profile.mqtt.maximumPacketSize}`)
  }

  protected onMalformed(why: string): void {
    this.violation(RC.MALFORMED_PACKET, 'malformed-packet', why)
  }

  /** Writes a frame to the client, fitted to the Maximum Packet Size it gave (fit-packet-size.ts). */
  override writeOut(frame: OutFrame): void {
    // (A split frame is a PUBLISH, which the shaper already fitted.)
    super.writeOut(this.clientMaximumPacketSize === undefined || !Buffer.isBuffer(frame) ? frame : this.handlers.fitToClient(frame, this.clientMaximumPacketSize, this.outDecoder))
  }

  // ---- the handlers of each packet type (gate/registry.ts) ------------------------------

  /** A whole frame from the client: its handler checks it before aedes sees it (gate/inbound/). */
  protected onInbound(frame: Buffer): void {
    if (this.state === 'closing' || this.state === 'closed') return
    if (this.keepAlive > 0) this.armKeepAlive(this.keepAlive * this.profile.mqtt.keepAlive.timeoutFactor * 1000)
    // While the CONNECT's AUTH exchange runs only AUTH may come; a DISCONNECT ends it.
    if (this.state === 'authenticating' && frameType(frame) !== PT.AUTH) {
      return frameType(frame) === PT.DISCONNECT ? this.closeNow('client-disconnect') : this.violation(RC.PROTOCOL_ERROR, 'packet-during-auth')
    }
    if (this.state !== 'awaiting-connect') return this.handlers.inbound[frameType(frame)]!(this, frame)
    if (frameType(frame) !== PT.CONNECT) return this.closeNow('packet-before-connect')
    this.handlers.connect(this, frame)
  }

  /** A whole frame aedes writes to the client (gate/outbound/). */
  protected onOutbound(frame: Buffer): void {
    // After an internal error the connection is being closed: aedes' late CONNACK must not register it.
    if (this.state === 'closed' || this.closeReason === 'internal-error') return
    this.handlers.outbound[frameType(frame)]!(this, frame)
  }

  // ---- what the handlers change (GateConnection) -----------------------------------------

  identify(version: ProtocolVersion, clientId: string | null, cleanStart: boolean, requestedKeepAlive: number, asks?: ClientAsks): void {
    if (asks && version === 5) {
      this.problemInformation = asks.problemInformation
      this.clientMaximumPacketSize = asks.maximumPacketSize
    }
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
    this.out.flush() // an AUTH challenge written this turn goes first
    if (this.version === 5) {
      this.socket.write(this.handlers.refusedConnack(this, refuse.v5, refuse.reason, this.clientMaximumPacketSize))
    } else if (refuse.v311 !== null) {
      this.socket.write(encode({ cmd: 'connack', sessionPresent: false, returnCode: refuse.v311 }, this.version))
    }
    this.endSocket()
    this.aedesSide.destroy()
  }

  acceptConnect(accepted: AcceptedConnect): void {
    this.clientMaximumPacketSize = accepted.shaper.clientMaximumPacketSize
    this.keepAlive = accepted.keepAlive
    this.endSessionAtClose = accepted.endSessionAtClose
    this.resumesSession = accepted.resumesSession
    this.problemInformation = accepted.problemInformation
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
    })
    this.state = 'connecting'
    this.armKeepAlive(this.profile.server.connectTimeoutMs)
  }

  awaitAuth(method: string, accepted: AcceptedConnect, connect: Buffer): void {
    this.auth = new AuthExchange(method)
    this.authPending = { accepted, connect }
    // The server's AUTH packets already heed these [MQTT5-3.15.2-2] [MQTT5-3.1.2-29].
    this.clientMaximumPacketSize = accepted.shaper.clientMaximumPacketSize
    this.problemInformation = accepted.problemInformation
    this.state = 'authenticating'
  }

  authenticated(): void {
    const pending = this.authPending!
    this.authPending = null
    this.acceptConnect(pending.accepted)
    this.forward(pending.connect)
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

  // ---- QoS 2, slow readers, aedes' in-flight ids ------------------------------------------

  /** What the profile does with QoS 2 on this connection's version [QOS2-NO-ACK] [QOS2-V5-MAXIMUM-QOS]. */
  qos2Reaction(): string {
    const q = this.profile.mqtt.qos2
    return this.version === 5 ? q.mqtt5Publish : q.mqtt311
  }

  /** Counts a QoS 0 delivery as dropped, and says so, when this client is over its slow-consumer limit. */
  dropsQos0ForSlowReader(): boolean {
    if (this.shaper === null || !this.handlers.dropsQos0Early || this.state !== 'connected') return false
    return this.shaper.overSoftLimit() && this.shaper.dropQos0()
  }

  protected takesUnjoined(pieces: readonly Buffer[]): boolean {
    return takeUnjoined(this, pieces)
  }

  atFrameStart(): boolean {
    return this.outSplitter.atFrameStart
  }

  /** Tells aedes a QoS 1 message is done (dropped or expired by the shaper): it leaves aedes' in-flight state. */
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
    if (this.state === 'authenticating') return this.refuseConnect({ reason, v5: code, v311: null, detail: reasonString })
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
        return this.pipe.end()
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
    this.socket.write(this.handlers.fitToClient(encode({ cmd: 'disconnect', reasonCode: code, properties }, 5), this.clientMaximumPacketSize, this.outDecoder))
    this.endSocket()
    this.pipe.end()
  }

  /** Closes without a DISCONNECT (3.1.1, or before CONNECT). */
  closeNow(reason: string): void {
    if (this.state === 'closed') return
    this.closeReason ??= reason
    if (reason !== this.closeReason) this.host.log.info({ event: 'rejected', clientId: this.clientId, reason })
    this.inSplitter.stop()
    this.state = 'closing'
    // Frames already written in this turn (see writeOut) go out first.
    this.out.flush()
    this.socket.destroy()
    this.onSocketGone()
  }

  /** (Re)starts the connect or keep-alive deadline: `ms` from now; 0 = none. */
  private armKeepAlive(ms: number): void {
    this.deadline.arm(ms)
  }

  private onKeepAliveTimeout(): void {
    if (this.state === 'awaiting-connect' || this.state === 'authenticating' || this.state === 'connecting') return this.closeNow('connect-timeout')
    if (this.state !== 'connected') return
    // [KA-TIMEOUT-1.5X] DISCONNECT 0x8D on MQTT 5, then the Will is published (not a clean DISCONNECT).
    this.host.log.info({ event: 'rejected', clientId: this.clientId, reason: 'keepalive-timeout' })
    this.closeReason = 'keepalive-timeout'
    if (this.version === 5) this.sendDisconnect(RC.KEEP_ALIVE_TIMEOUT)
    else this.closeNow('keepalive-timeout')
  }

  protected onSocketGone(): void {
    if (this.state === 'closed') return
    this.state = 'closed'
    this.inSplitter.stop()
    this.outSplitter.stop()
    this.shaper?.close()
    this.deadline.stop()
    this.pipe.stop()
    this.closeReason ??= this.sawDisconnect ? 'client-disconnect' : 'connection-lost'
    const lost = this.closeReason === 'connection-lost' || this.closeReason.startsWith('connection-error')
    if (lost && this.shaper !== null && !this.aedesSide.destroyed) this.handlers.connectionLost(this) // [LWT-ON-UNGRACEFUL]
    this.pipe.end()
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
