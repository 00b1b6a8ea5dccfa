import { Duplex } from 'node:stream'
import { randomUUID } from 'node:crypto'
import type { Profile } from './profile.js'
import { FrameDecoder, FrameSplitter, PT, encode, fastPublish, frameType, pubackMessageId, type ProtocolVersion } from './mqtt-codec.js'
import { OutboundShaper } from './outbound-shaper.js'
import { RateLimiter } from './rate-limiter.js'
import { ByteBudget } from './byte-budget.js'
import { RC } from './reason-codes.js'
import { GateSubscriptions } from './gate-subscriptions.js'
import type { GateHost, GateInfo } from './gate-host.js'
import { checkConnect, checkPublish } from './inbound-checks.js'
import { connackProperties } from './connack-properties.js'
import { awsReasonString } from './reason-strings.js'
import { DeviatedFrames } from './deviated-frames.js'
import { DirectDelivery, type DirectMessage, type DirectSend } from './direct-delivery.js'

type State = 'awaiting-connect' | 'connecting' | 'connected' | 'closing' | 'closed'

/**
 * One client connection as AWS IoT Core handles it. Sits between the socket
 * and aedes: every inbound frame is checked against the profile before aedes
 * sees it, violations are answered here (DISCONNECT with the documented reason
 * code, written only after the CONNACK so it is never lost: aedes 2.0.0-beta.1
 * defect 3), and outbound frames are shaped (CONNACK properties, replay pacing,
 * in-flight cap).
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

  private readonly profile: Profile
  private readonly inSplitter: FrameSplitter
  private readonly outSplitter: FrameSplitter
  private inDecoder = new FrameDecoder(4)
  private outDecoder = new FrameDecoder(4)
  /** Outbound rewrites of the deliberate deviations; null in normal use. */
  private deviated: DeviatedFrames | null = null
  private shaper: OutboundShaper | null = null
  private readonly rate: RateLimiter
  /** [LIM-THROUGHPUT-512KIB] bytes read from the client; null = unlimited. */
  private readonly inBudget: ByteBudget | null
  /** Set while reading is paused for the byte budget. */
  private inThrottle: NodeJS.Timeout | null = null
  private aliases = new Map<number, string>()
  private readonly subs: GateSubscriptions
  private keepAliveTimer: NodeJS.Timeout | null = null
  /** When the connect or keep-alive deadline passes (ms since the epoch); 0 = none. */
  private keepAliveDue = 0
  /** When keepAliveTimer fires; it may be earlier than the deadline, then it re-arms. */
  private keepAliveTimerAt = 0
  private pendingDisconnect: { code: number; reasonString?: string } | null = null
  private endSessionAtClose = false
  /** The CONNECT resumes a stored session (Session Present 1) [PS-CREATE-311] [PS-CREATE-V5]. */
  private resumesSession = false
  /** The CONNACK said Session Present 1. */
  sessionResumed = false
  private readonly direct = new DirectDelivery({
    version: () => this.version,
    takeQuota: () => this.state === 'connected' && (this.rate.tryTake() || this.host.faults.has('dm-receiver-rate-unlimited')),
    nextMessageId: () => this.host.nextMessageId(this),
    trackInflight: (id) => this.shaper?.trackInflight(id),
    releaseInflight: (id) => { this.shaper?.acked(id) },
    writeOut: (f) => this.writeOut(f),
  })
  private sawDisconnect = false
  private sawFirstByte = false
  /** Frames forwarded while one socket read is being split; pushed to aedes in one piece. */
  private batch: Buffer[] | null = null
  private aedesEnded = false

  constructor(readonly socket: Duplex, private readonly host: GateHost, readonly info: GateInfo) {
    this.profile = host.profile
    this.rate = new RateLimiter(this.profile.mqtt.publishesPerSecondPerConnection)
    this.inBudget = this.profile.mqtt.throughputBytesPerSecond > 0 ? new ByteBudget(this.profile.mqtt.throughputBytesPerSecond) : null
    this.subs = new GateSubscriptions(this, host)
    const gate = this
    this.aedesSide = new Duplex({
      read() { if (gate.inThrottle === null) gate.socket.resume() },
      write(chunk: Buffer, _enc, cb) { gate.outSplitter.push(chunk); cb() },
      writev(chunks, cb) {
        // One batch from aedes (it corks its writes) becomes one write to the socket, as aedes
        // would do on its own, instead of one syscall per frame.
        // aedes writes a packet in several small chunks: join the batch once rather than
        // let the splitter re-join after every chunk.
        gate.socket.cork()
        gate.outSplitter.push(chunks.length === 1 ? chunks[0]!.chunk as Buffer : Buffer.concat(chunks.map((c) => c.chunk as Buffer)))
        gate.socket.uncork()
        cb()
      },
      final(cb) { gate.endSocket(); cb() },
      destroy(err, cb) { gate.endSocket(); cb(err) },
    })
    this.inSplitter = new FrameSplitter({
      maxFrameBytes: this.profile.mqtt.maximumPacketSize,
      onFrame: (f) => this.onInbound(f),
      onTooLarge: (n) => this.violation(RC.PACKET_TOO_LARGE, 'packet-too-large', `packet of ${n} bytes exceeds ${this.profile.mqtt.maximumPacketSize}`),
      onMalformed: (why) => this.violation(RC.MALFORMED_PACKET, 'malformed-packet', why),
    })
    this.outSplitter = new FrameSplitter({ onFrame: (f) => this.onOutbound(f) })
    socket.on('data', (chunk: Buffer) => {
      // Anything but CONNECT as the first byte is not MQTT: close now rather than
      // wait for a frame that may never complete.
      if (!this.sawFirstByte && chunk.length > 0) {
        this.sawFirstByte = true
        if (chunk[0]! >> 4 !== PT.CONNECT) return this.closeNow('not-mqtt')
      }
      this.batch = []
      // What one read makes the gate write (PUBLISHes its PUBACKs release from the in-flight
      // cap, the gate's own answers) leaves in one write rather than one syscall per frame.
      this.socket.cork()
      try {
        this.inSplitter.push(chunk)
      } finally {
        this.socket.uncork()
      }
      const batch = this.batch
      this.batch = null
      if (batch && batch.length > 0) this.pushToAedes(batch.length === 1 ? batch[0]! : Buffer.concat(batch))
      if (this.inBudget !== null && !this.inBudget.take(chunk.length)) this.throttleInbound()
    })
    socket.on('end', () => this.onSocketGone())
    socket.on('close', () => this.onSocketGone())
    socket.on('error', (err) => { this.closeReason ??= `connection-error: ${err.message}`; this.onSocketGone() })
    this.armKeepAlive(this.profile.server.connectTimeoutMs)
  }

  // ---- inbound ---------------------------------------------------------------------------

  private onInbound(frame: Buffer): void {
    if (this.state === 'closing' || this.state === 'closed') return
    if (this.keepAlive > 0) this.armKeepAlive(this.keepAlive * this.profile.mqtt.keepAlive.timeoutFactor * 1000)
    const type = frameType(frame)
    if (this.state === 'awaiting-connect') {
      if (type !== PT.CONNECT) return this.closeNow('packet-before-connect')
      return this.handleConnect(frame)
    }
    // The most frequent frames skip the general decoder (throughput: the gate must cost little).
    if (type === PT.PUBACK && frame.length >= 4 && (frame[0]! & 0x0f) === 0) return this.handlePuback(frame, pubackMessageId(frame))
    if (type === PT.PINGREQ && frame.length === 2) return this.forward(frame)
    let packet: Record<string, any> | null = type === PT.PUBLISH ? fastPublish(frame, this.version) : null
    if (packet) return this.handlePublish(frame, packet)
    try {
      packet = this.inDecoder.decode(frame) as Record<string, any>
    } catch (err) {
      return this.violation(RC.MALFORMED_PACKET, 'malformed-packet', (err as Error).message)
    }
    switch (type) {
      case PT.CONNECT:
        // The `double-connect-ignored` deviation drops a second CONNECT instead.
        if (this.host.faults.has('second-connect-ignored')) return
        return this.violation(RC.PROTOCOL_ERROR, 'second-connect') // [CONN-DOUBLE-CONNECT]
      case PT.PUBLISH: return this.handlePublish(frame, packet)
      case PT.SUBSCRIBE: return this.subs.subscribe(frame, packet)
      case PT.UNSUBSCRIBE: return this.subs.unsubscribe(frame, packet)
      case PT.PUBACK: return this.handlePuback(frame, packet.messageId as number)
      case PT.PUBREC: case PT.PUBREL: case PT.PUBCOMP:
        if (this.qos2Reaction() === 'support') return this.forward(frame)
        // The `qos2-flow-ignored` deviation drops them silently instead.
        if (this.host.faults.has('qos2-flow-ignored')) return
        return this.violation(RC.PROTOCOL_ERROR, 'qos2-flow-unsupported') // [QOS-NO-PUBREC-AUTH]
      case PT.AUTH: return this.violation(RC.PROTOCOL_ERROR, 'auth-unsupported') // [M5-NO-AUTH-PACKET]
      case PT.PINGREQ: return this.forward(frame)
      case PT.DISCONNECT:
        this.sawDisconnect = true
        // The `will-on-disconnect` deviation: aedes never sees the DISCONNECT, so it publishes the Will.
        if (this.host.faults.has('will-on-disconnect')) return this.closeNow('client-disconnect')
        // [PS-SEI-ON-DISCONNECT] a session whose interval is 0 cannot be raised by the DISCONNECT:
        // aedes was given 1 s (see checkConnect), so it must learn before it handles the DISCONNECT.
        if (this.endSessionAtClose && this.clientId) this.host.endSessionNow(this.clientId)
        // The `disconnect-expiry-ignored` deviation drops the DISCONNECT's Session Expiry Interval.
        if (this.host.faults.has('disconnect-expiry-ignored') && packet.properties?.sessionExpiryInterval !== undefined) {
          const { sessionExpiryInterval: _ignored, ...rest } = packet.properties as Record<string, unknown>
          return this.forward(encode({ ...packet, properties: rest }, this.version))
        }
        return this.forward(frame)
      default: return this.violation(RC.PROTOCOL_ERROR, 'unexpected-packet-type', `packet type ${type} from a client`)
    }
  }

  private handleConnect(frame: Buffer): void {
    let packet: Record<string, any>
    try {
      packet = new FrameDecoder(4).decode(frame) as Record<string, any>
    } catch (err) {
      return this.closeNow(`malformed-connect: ${(err as Error).message}`)
    }
    this.version = packet.protocolVersion === 5 ? 5 : packet.protocolVersion === 3 ? 3 : 4
    this.inDecoder = new FrameDecoder(this.version)
    this.outDecoder = new FrameDecoder(this.version)
    this.clientId = packet.clientId as string
    this.cleanStart = packet.clean !== false
    if (this.host.faults.size > 0) this.deviated = new DeviatedFrames(this.host, this.outDecoder, this.version, Number(packet.properties?.topicAliasMaximum ?? 0), () => this.host.nextMessageId(this))
    // The `aliases-outlive-connection` deviation keeps topic aliases per client id, across connections [ALIAS-CONNECTION-SCOPE].
    if (this.host.faults.has('aliases-outlive-connection')) this.aliases = aliasesOfClient(this.host, this.clientId)
    this.requestedKeepAlive = Number(packet.keepalive ?? 0)
    // The `assigned-client-id-missing` deviation refuses an empty client id like MQTT 3.1.1 [CID-ASSIGNED-V5].
    if (this.host.faults.has('empty-client-id-refused') && !packet.clientId) return this.refuseConnect({ reason: 'client-id-empty', v5: RC.CLIENT_IDENTIFIER_NOT_VALID, v311: 2 })
    const verdict = checkConnect(packet, this.profile, this.host)
    if (verdict.refuse) return this.refuseConnect(verdict.refuse)
    this.keepAlive = verdict.keepAlive
    this.endSessionAtClose = verdict.endSessionAtClose
    this.resumesSession = verdict.resumesSession
    this.shaper = new OutboundShaper({
      inflightMaximum: Math.min(this.profile.mqtt.outboundInflightMaximum, packet.properties?.receiveMaximum ?? 65535),
      replayRatePerSecond: this.profile.sessions.replayRatePerSecond,
      keepOriginalExpiry: this.host.faults.has('mei-not-decremented'),
      softBytes: this.profile.server.slowClientSoftBytes,
      hardBytes: this.profile.server.slowClientHardBytes,
      // The `client-packet-size-ignored` deviation sends packets larger than the client accepts [M5-MAX-PACKET-SIZE].
      clientMaximumPacketSize: this.version === 5 && !this.host.faults.has('client-packet-size-ignored') ? packet.properties?.maximumPacketSize : undefined,
      throughputBytesPerSecond: this.profile.mqtt.throughputBytesPerSecond,
      version: this.version,
      write: (f) => this.writeOut(f),
      bufferedBytes: () => this.socket.writableLength,
      injectPuback: (id) => this.injectPuback(id),
      onSlowConsumer: () => this.closeNow('slow-consumer'),
      onDrop: (reason, messageId) => this.host.log.info({ event: 'drop', clientId: this.clientId, reason, messageId }),
      countOutboundPublish: () => this.rate.forceTake(),
    })
    this.state = 'connecting'
    this.armKeepAlive(this.profile.server.connectTimeoutMs)
    // The `auth-method-accepted` deviation ignores an Authentication Method instead of refusing it [M5-NO-AUTH-PACKET].
    const props = verdict.packet.properties as Record<string, unknown> | undefined
    const ignoreAuth = this.host.faults.has('auth-method-ignored') && props?.authenticationMethod !== undefined
    if (ignoreAuth) {
      delete props!.authenticationMethod
      delete props!.authenticationData
    }
    this.forward(verdict.rewritten || ignoreAuth ? encode(verdict.packet, this.version) : frame)
  }

  private refuseConnect(refuse: { reason: string; v5: number; v311: number | null }): void {
    this.host.log.info({ event: 'connect-refused', clientId: this.clientId, version: this.version, reason: refuse.reason, ...this.info })
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

  private handlePublish(frame: Buffer, packet: Record<string, any>): void {
    // The `wildcard-publish-dropped` deviation: acknowledged, then dropped, connection kept [TOPIC-NO-WILDCARD-PUBLISH].
    if (this.host.faults.has('wildcard-publish-dropped') && /[+#]/.test(String(packet.topic ?? ''))) {
      if (packet.qos === 1) this.writeOut(encode({ cmd: 'puback', messageId: packet.messageId }, this.version))
      return
    }
    const verdict = checkPublish(packet, this.version, this.profile, this.aliases, this.host.faults.has('alias-accepts-one-more'), this.host.faults)
    if (verdict.kind === 'violation') return this.violation(verdict.code, verdict.reason, verdict.reasonString)
    if (verdict.kind === 'close') return this.closeNow(verdict.reason)
    if (!this.rate.tryTake()) {
      // [LIM-PUB-RATE-100] excess publishes are discarded; a QoS 1 sender is told so on MQTT 5.
      this.host.log.info({ event: 'throttled', clientId: this.clientId, topic: verdict.topic, qos: packet.qos })
      if (packet.qos === 1) this.writeOut(encode({ cmd: 'puback', messageId: packet.messageId, reasonCode: this.version === 5 ? RC.QUOTA_EXCEEDED : undefined }, this.version))
      return
    }
    const payloadBytes = packet.payload ? (packet.payload as Buffer).length : 0
    if (packet.retain && payloadBytes > 0 && this.host.retainedLimitReached()) {
      // [RET-COUNT-LIMIT-THROTTLE] at the account's retained-message limit a retained publish with a
      // payload is throttled (neither stored nor delivered); deletes (empty payload) still pass.
      // MQTT 5 QoS 1 gets PUBACK 0x97 (INF); 3.1.1 cannot say why, so it gets a plain PUBACK.
      this.host.log.info({ event: 'throttled', clientId: this.clientId, topic: verdict.topic, qos: packet.qos, reason: 'retained-limit' })
      if (packet.qos === 1) this.writeOut(encode({ cmd: 'puback', messageId: packet.messageId, reasonCode: this.version === 5 ? RC.QUOTA_EXCEEDED : undefined }, this.version))
      return
    }
    if (packet.qos === 1 && this.version === 5 && this.host.faults.has('puback-no-matching-subscribers')) this.deviated?.notePublish(packet.messageId, verdict.topic)
    // The `aliases-outlive-connection` deviation resolves an alias set on an earlier connection itself (aedes knows only this one's).
    const leaked = this.host.faults.has('aliases-outlive-connection') && this.version === 5 && !packet.topic && packet.properties?.topicAlias !== undefined
    if (leaked) {
      packet.topic = verdict.topic
      delete packet.properties.topicAlias
    }
    const out = verdict.rewritten || leaked ? encode(packet, this.version) : frame
    // The `nonretained-replaces-retained` deviation stores a plain publish as the topic's retained message.
    if (!packet.retain && this.host.faults.has('nonretained-replaces-retained') && this.host.hasRetained(verdict.topic)) out[0] = out[0]! | 0x01
    this.forward(out)
  }

  private handlePuback(frame: Buffer, messageId: number): void {
    this.shaper?.acked(messageId)
    if (!this.direct.acked(messageId)) this.forward(frame)
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

  /** Writes a frame to the client. */
  writeOut(frame: Buffer): void {
    if (this.state === 'closed' || this.socket.destroyed) return
    this.socket.write(frame)
  }

  private injectPuback(messageId: number): void {
    this.forward(encode({ cmd: 'puback', messageId }, this.version))
  }

  // ---- outbound --------------------------------------------------------------------------

  private onOutbound(frame: Buffer): void {
    if (this.state === 'closed') return
    switch (frameType(frame)) {
      case PT.CONNACK: return this.handleConnack(frame)
      case PT.PUBLISH:
        if (this.state !== 'connected' && this.state !== 'connecting') return
        if (this.deviated) frame = this.deviated.publish(frame)
        return this.shaper ? this.shaper.publish(frame) : this.writeOut(frame)
      case PT.PUBACK: return this.writeOut(this.deviated ? this.deviated.puback(frame) : frame)
      case PT.SUBACK: case PT.UNSUBACK: return this.writeOut(this.subs.mergeAck(frame, this.outDecoder))
      case PT.DISCONNECT: {
        const takenOver = frame.length > 2 && frame[2] === RC.SESSION_TAKEN_OVER
        this.closeReason ??= takenOver ? 'duplicate-clientid' : 'server-disconnect'
        // The `takeover-silent` deviation drops the 0x8E DISCONNECT on purpose.
        if (takenOver && this.host.faults.has('takeover-without-disconnect')) return this.closeNow('duplicate-clientid')
        if (this.state === 'connected') this.state = 'closing'
        return this.writeOut(frame)
      }
      default: return this.writeOut(frame)
    }
  }

  private handleConnack(frame: Buffer): void {
    const packet = this.outDecoder.decode(frame) as Record<string, any>
    const ok = this.version === 5 ? packet.reasonCode === 0 : packet.returnCode === 0
    if (!ok) {
      this.closeReason = `connack-refused-${this.version === 5 ? packet.reasonCode : packet.returnCode}`
      this.state = 'closing'
      return this.writeOut(frame)
    }
    // aedes says Session Present only when it restored subscriptions; a stored session without
    // any is resumed too (the `session-present-needs-subscriptions` deviation keeps aedes' answer).
    const present = !!packet.sessionPresent || (this.resumesSession && !this.host.faults.has('session-present-needs-subscriptions'))
    if (present !== !!packet.sessionPresent) {
      packet.sessionPresent = present
      if (this.version !== 5) frame = encode(packet, this.version)
    }
    if (this.version === 5) {
      packet.properties = connackProperties(packet.properties, this.profile, this.keepAlive, this.endSessionAtClose)
      // The `server-redirect` deviation points the client to another server [M5-NO-SERVER-REDIRECT].
      if (this.host.faults.has('server-reference-sent')) packet.properties.serverReference = 'other-broker.example:8883'
      // Deviations: Server Keep Alive left out when it equals the request; Wildcard Subscription Available 0 advertised.
      if (this.host.faults.has('server-keepalive-omitted') && packet.properties.serverKeepAlive === this.requestedKeepAlive) delete packet.properties.serverKeepAlive
      if (this.host.faults.has('connack-wildcard-unavailable')) packet.properties.wildcardSubscriptionAvailable = false
      if (typeof packet.properties.assignedClientIdentifier === 'string') this.clientId = packet.properties.assignedClientIdentifier // [CID-ASSIGNED-V5]
      frame = encode(packet, 5)
    }
    this.state = 'connected'
    this.armKeepAlive(this.keepAlive * this.profile.mqtt.keepAlive.timeoutFactor * 1000)
    if (packet.sessionPresent) this.shaper?.startReplay()
    this.sessionResumed = !!packet.sessionPresent
    this.host.log.info({ event: 'connect', clientId: this.clientId, version: this.version, cleanStart: this.cleanStart, sessionPresent: !!packet.sessionPresent, keepAlive: this.keepAlive, ...this.info })
    this.host.onConnected(this)
    this.writeOut(frame)
    if (this.pendingDisconnect) this.sendDisconnect(this.pendingDisconnect.code, this.pendingDisconnect.reasonString)
  }

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
    if (this.version !== 5 || this.state === 'awaiting-connect') return this.closeNow(reason)
    if (this.state === 'connecting') {
      this.pendingDisconnect = { code, reasonString }
      this.state = 'closing'
      return
    }
    this.sendDisconnect(code, reasonString)
  }

  private sendDisconnect(code: number, reasonString?: string): void {
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
    // Frames already written in this read (the socket is corked while one is handled) go out first.
    while (this.socket.writableCorked > 0) this.socket.uncork()
    this.socket.destroy()
    this.onSocketGone()
  }

  private endSocket(): void {
    if (this.socket.destroyed) return
    this.socket.end()
    // A peer that never closes its side must not keep the socket open.
    setTimeout(() => this.socket.destroy(), 2000).unref()
  }

  /** (Re)starts the connect or keep-alive deadline: `ms` from now; 0 = none. */
  private armKeepAlive(ms: number): void {
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
    if (this.endSessionAtClose && this.clientId) this.host.endSessionNow(this.clientId)
    if (this.clientId !== null) this.host.log.info({ event: 'disconnect', clientId: this.clientId, reason: this.closeReason })
    this.host.onClosed(this)
  }

  /** Marks this connection as displaced by a newer one with the same client id [CID-TAKEOVER]. */
  markTakenOver(): void {
    this.closeReason = 'duplicate-clientid'
  }
}

/** Topic aliases kept per client id across connections, for the `aliases-outlive-connection` deviation only. */
const aliasesByHost = new WeakMap<object, Map<string, Map<number, string>>>()
function aliasesOfClient(host: object, clientId: string): Map<number, string> {
  let byClient = aliasesByHost.get(host)
  if (!byClient) aliasesByHost.set(host, (byClient = new Map()))
  let aliases = byClient.get(clientId)
  if (!aliases) byClient.set(clientId, (aliases = new Map()))
  return aliases
}

export type { GateHost, GateInfo, Transport } from './gate-host.js'
