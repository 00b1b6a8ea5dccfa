import type { WireGate } from './wire-gate.js'
import { FrameDecoder, PT, encode, fastPublish, frameType, pubackMessageId, publishTopicUtf8Problem } from './mqtt-codec.js'
import { OutboundShaper } from './outbound-shaper.js'
import { RC } from './reason-codes.js'
import { checkConnect, checkPublish } from './inbound-checks.js'
import { DeviatedFrames } from './deviated-frames.js'
import { shapeProblem } from './packet-shape.js'
import { propertyBytesProblem } from './property-bytes.js'

/**
 * The inbound half of a WireGate: each whole frame from the client, checked
 * against the profile before aedes sees it (inbound-checks.ts for CONNECT and
 * PUBLISH, gate-subscriptions.ts for SUBSCRIBE and UNSUBSCRIBE), then forwarded
 * byte for byte unless rewritten, or answered by the gate itself. The
 * connection's state and its closing stay in wire-gate.ts.
 */
export function onInbound(gate: WireGate, frame: Buffer): void {
  if (gate.state === 'closing' || gate.state === 'closed') return
  if (gate.keepAlive > 0) gate.armKeepAlive(gate.keepAlive * gate.profile.mqtt.keepAlive.timeoutFactor * 1000)
  const type = frameType(frame)
  if (gate.host.faults.size > 0 && gate.state !== 'awaiting-connect') frame = toleratedFrame(gate, type, frame)
  if (gate.state === 'awaiting-connect') {
    if (type !== PT.CONNECT) return gate.closeNow('packet-before-connect')
    return handleConnect(gate, frame)
  }
  // The most frequent frames skip the general decoder (throughput: the gate must cost little).
  // (An MQTT 5 PUBACK with properties, longer than 6 bytes, is decoded: its Reason String is checked.)
  if (type === PT.PUBACK && frame.length >= 4 && frame.length <= 6 && (frame[0]! & 0x0f) === 0) return handlePuback(gate, frame, pubackMessageId(frame))
  // The `pingreq-unanswered` deviation drops PINGREQ, so no PINGRESP comes back [MQTT5-3.12.4-1].
  if (type === PT.PINGREQ && frame.length === 2) return gate.host.faults.has('pingreq-unanswered') ? undefined : gate.forward(frame)
  let packet: Record<string, any> | null = type === PT.PUBLISH ? fastPublish(frame, gate.version) : null
  if (packet) return handlePublish(gate, frame, packet)
  try {
    packet = gate.inDecoder.decode(frame) as Record<string, any>
  } catch (err) {
    return gate.violation(RC.MALFORMED_PACKET, 'malformed-packet', (err as Error).message)
  }
  // MQTT 5 properties checked byte for byte too: what the decoder reads leniently (property-bytes.ts).
  const problem = shapeProblem(packet) ?? (gate.version === 5 ? propertyBytesProblem(frame, gate.host.faults.has('utf8-unchecked')) : null)
  if (problem) return gate.violation(problem.code, problem.reason, problem.detail)
  switch (type) {
    case PT.CONNECT:
      // The `double-connect-ignored` deviation drops a second CONNECT instead.
      if (gate.host.faults.has('second-connect-ignored')) return
      return gate.violation(RC.PROTOCOL_ERROR, 'second-connect') // [CONN-DOUBLE-CONNECT]
    case PT.PUBLISH: return handlePublish(gate, frame, packet)
    case PT.SUBSCRIBE: return gate.subs.subscribe(frame, packet)
    case PT.UNSUBSCRIBE: return gate.subs.unsubscribe(frame, packet)
    case PT.PUBACK: return handlePuback(gate, frame, packet.messageId as number)
    case PT.PUBREC: case PT.PUBREL: case PT.PUBCOMP:
      // The `qos2-release-dropped` deviation drops PUBREC and PUBREL: no PUBREL or PUBCOMP follows [MQTT5-4.3.3-11].
      if (type !== PT.PUBCOMP && gate.host.faults.has('qos2-release-dropped')) return
      if (gate.qos2Reaction() === 'support') return gate.forward(frame)
      // The `qos2-flow-ignored` deviation drops them silently instead.
      if (gate.host.faults.has('qos2-flow-ignored')) return
      return gate.violation(RC.PROTOCOL_ERROR, 'qos2-flow-unsupported') // [QOS-NO-PUBREC-AUTH]
    case PT.AUTH: return gate.violation(RC.PROTOCOL_ERROR, 'auth-unsupported') // [M5-NO-AUTH-PACKET]
    case PT.PINGREQ: return gate.host.faults.has('pingreq-unanswered') ? undefined : gate.forward(frame)
    case PT.DISCONNECT:
      gate.sawDisconnect = true
      // The `will-on-disconnect` deviation: aedes never sees the DISCONNECT, so it publishes the Will.
      if (gate.host.faults.has('will-on-disconnect')) return gate.closeNow('client-disconnect')
      // [PS-SEI-ON-DISCONNECT] a session whose interval is 0 cannot be raised by the DISCONNECT:
      // aedes was given 1 s (see checkConnect), so it must learn before it handles the DISCONNECT.
      if (gate.endSessionAtClose) gate.host.endSessionNow(gate)
      // The `disconnect-expiry-ignored` deviation drops the DISCONNECT's Session Expiry Interval.
      if (gate.host.faults.has('disconnect-expiry-ignored') && packet.properties?.sessionExpiryInterval !== undefined) {
        const { sessionExpiryInterval: _ignored, ...rest } = packet.properties as Record<string, unknown>
        return gate.forward(encode({ ...packet, properties: rest }, gate.version))
      }
      return gate.forward(frame)
    default: return gate.violation(RC.PROTOCOL_ERROR, 'unexpected-packet-type', `packet type ${type} from a client`)
  }
}

/**
 * Deviations that let malformed frames through: `reserved-flags-ignored` sets the fixed-header
 * flags of SUBSCRIBE, UNSUBSCRIBE and PUBREL to 0010 [MQTT5-3.8.1-1]; `qos3-publish-downgraded`
 * reads a PUBLISH with both QoS bits set as QoS 1 [MQTT5-3.3.1-4].
 */
function toleratedFrame(gate: WireGate, type: number, frame: Buffer): Buffer {
  const f = gate.host.faults
  if (f.has('reserved-flags-ignored') && (type === PT.SUBSCRIBE || type === PT.UNSUBSCRIBE || type === PT.PUBREL) && (frame[0]! & 0x0f) !== 0x02) {
    frame = Buffer.from(frame)
    frame[0] = (frame[0]! & 0xf0) | 0x02
  }
  if (f.has('qos3-publish-downgraded') && type === PT.PUBLISH && (frame[0]! & 0x06) === 0x06) {
    frame = Buffer.from(frame)
    frame[0] = frame[0]! & ~0x04
  }
  return frame
}

function handleConnect(gate: WireGate, frame: Buffer): void {
  let packet: Record<string, any>
  try {
    packet = new FrameDecoder(4).decode(frame) as Record<string, any>
  } catch (err) {
    return gate.closeNow(`malformed-connect: ${(err as Error).message}`)
  }
  // A CONNECT mqtt-packet decodes but the standard calls malformed: MQTT 5 CONNACK 0x81/0x82, 3.1.1 a close.
  const problem = shapeProblem(packet) ?? propertyBytesProblem(frame, gate.host.faults.has('utf8-unchecked'))
  if (problem) {
    gate.version = packet.protocolVersion === 5 ? 5 : 4
    return refuseConnect(gate, { reason: `${problem.reason}: ${problem.detail}`, v5: problem.code, v311: null })
  }
  gate.version = packet.protocolVersion === 5 ? 5 : packet.protocolVersion === 3 ? 3 : 4
  gate.inDecoder = new FrameDecoder(gate.version)
  gate.outDecoder = new FrameDecoder(gate.version)
  gate.clientId = packet.clientId as string
  gate.cleanStart = packet.clean !== false
  if (gate.host.faults.size > 0) gate.deviated = new DeviatedFrames(gate.host, gate.outDecoder, gate.version, Number(packet.properties?.topicAliasMaximum ?? 0), () => gate.host.nextMessageId(gate))
  // The `aliases-outlive-connection` deviation keeps topic aliases per client id, across connections [ALIAS-CONNECTION-SCOPE].
  if (gate.host.faults.has('aliases-outlive-connection')) gate.aliases = aliasesOfClient(gate.host, gate.clientId)
  gate.requestedKeepAlive = Number(packet.keepalive ?? 0)
  // The `assigned-client-id-missing` deviation refuses an empty client id like MQTT 3.1.1 [CID-ASSIGNED-V5].
  if (gate.host.faults.has('empty-client-id-refused') && !packet.clientId) return refuseConnect(gate, { reason: 'client-id-empty', v5: RC.CLIENT_IDENTIFIER_NOT_VALID, v311: 2 })
  const verdict = checkConnect(packet, gate.profile, gate.host)
  if (verdict.refuse) return refuseConnect(gate, verdict.refuse)
  gate.keepAlive = verdict.keepAlive
  gate.endSessionAtClose = verdict.endSessionAtClose
  gate.resumesSession = verdict.resumesSession
  gate.shaper = new OutboundShaper({
    inflightMaximum: Math.min(gate.profile.mqtt.outboundInflightMaximum, packet.properties?.receiveMaximum ?? 65535),
    replayRatePerSecond: gate.profile.sessions.replayRatePerSecond,
    keepOriginalExpiry: gate.host.faults.has('mei-not-decremented'),
    softBytes: gate.profile.server.slowClientSoftBytes,
    hardBytes: gate.profile.server.slowClientHardBytes,
    stallMs: gate.profile.server.slowClientStallMs,
    // The `client-packet-size-ignored` deviation sends packets larger than the client accepts [M5-MAX-PACKET-SIZE].
    clientMaximumPacketSize: gate.version === 5 && !gate.host.faults.has('client-packet-size-ignored') ? packet.properties?.maximumPacketSize : undefined,
    throughputBytesPerSecond: gate.profile.mqtt.throughputBytesPerSecond,
    version: gate.version,
    write: (f) => gate.writeOut(f),
    bufferedBytes: () => gate.bufferedTowardsClient(),
    bytesTaken: () => gate.bytesTakenByClient(),
    injectPuback: (id) => gate.injectPuback(id),
    onSlowConsumer: (why) => {
      gate.host.log.info({ event: 'rejected', clientId: gate.clientId, reason: 'slow-consumer', ...why })
      gate.closeNow('slow-consumer')
    },
    onDrop: (reason, count) => gate.host.log.info({ event: 'drop', clientId: gate.clientId, reason, count }),
    countOutboundPublish: () => gate.rate.forceTake(),
  })
  gate.state = 'connecting'
  gate.armKeepAlive(gate.profile.server.connectTimeoutMs)
  // The `auth-method-accepted` deviation ignores an Authentication Method instead of refusing it [M5-NO-AUTH-PACKET].
  const props = verdict.packet.properties as Record<string, unknown> | undefined
  const ignoreAuth = gate.host.faults.has('auth-method-ignored') && props?.authenticationMethod !== undefined
  if (ignoreAuth) {
    delete props!.authenticationMethod
    delete props!.authenticationData
  }
  gate.forward(verdict.rewritten || ignoreAuth ? encode(verdict.packet, gate.version) : frame)
}

function refuseConnect(gate: WireGate, refuse: { reason: string; v5: number; v311: number | null; detail?: string }): void {
  gate.host.log.info({ event: 'connect-refused', clientId: gate.clientId, version: gate.version, reason: refuse.reason, detail: refuse.detail, ...gate.info })
  gate.closeReason = refuse.reason
  gate.state = 'closing'
  gate.inSplitter.stop()
  if (gate.version === 5) {
    gate.socket.write(encode({ cmd: 'connack', sessionPresent: false, reasonCode: refuse.v5 }, 5))
  } else if (refuse.v311 !== null) {
    gate.socket.write(encode({ cmd: 'connack', sessionPresent: false, returnCode: refuse.v311 }, gate.version))
  }
  gate.endSocket()
  gate.aedesSide.destroy()
}

function handlePublish(gate: WireGate, frame: Buffer, packet: Record<string, any>): void {
  // A topic that decoded to U+FFFD or holds U+0000 is checked byte for byte: ill-formed UTF-8 and
  // U+0000 make the packet malformed [MQTT5-1.5.4-1] [MQTT5-1.5.4-2] [MQTT311-1.5.3-1] [MQTT311-1.5.3-2].
  // The `utf8-unchecked` deviation lets such topics through (aedes' own behaviour).
  const rawTopic = String(packet.topic ?? '')
  if ((rawTopic.includes('\uFFFD') || rawTopic.includes('\u0000')) && !gate.host.faults.has('utf8-unchecked')) {
    const problem = publishTopicUtf8Problem(frame)
    if (problem) return gate.violation(RC.MALFORMED_PACKET, 'malformed-packet', problem)
  }
  // The `wildcard-publish-dropped` deviation: acknowledged, then dropped, connection kept [TOPIC-NO-WILDCARD-PUBLISH].
  if (gate.host.faults.has('wildcard-publish-dropped') && /[+#]/.test(String(packet.topic ?? ''))) {
    if (packet.qos === 1) gate.writeOut(encode({ cmd: 'puback', messageId: packet.messageId }, gate.version))
    return
  }
  const verdict = checkPublish(packet, gate.version, gate.profile, gate.aliases, gate.host.faults.has('alias-accepts-one-more'), gate.host.faults)
  if (verdict.kind === 'violation') return gate.violation(verdict.code, verdict.reason, verdict.reasonString)
  // (3.1.1: a close, after the answers to what came before, like a DISCONNECT on MQTT 5.)
  if (verdict.kind === 'close') return gate.violation(RC.PROTOCOL_ERROR, verdict.reason)
  if (!gate.rate.tryTake()) {
    // [LIM-PUB-RATE-100] excess publishes are discarded; a QoS 1 sender is told so on MQTT 5.
    gate.host.log.info({ event: 'throttled', clientId: gate.clientId, topic: verdict.topic, qos: packet.qos })
    if (packet.qos === 1) gate.writeOut(encode({ cmd: 'puback', messageId: packet.messageId, reasonCode: gate.version === 5 ? RC.QUOTA_EXCEEDED : undefined }, gate.version))
    return
  }
  const payloadBytes = packet.payload ? (packet.payload as Buffer).length : 0
  if (packet.retain && payloadBytes > 0 && gate.host.retainedLimitReached()) {
    // [RET-COUNT-LIMIT-THROTTLE] at the account's retained-message limit a retained publish with a
    // payload is throttled (neither stored nor delivered); deletes (empty payload) still pass.
    // MQTT 5 QoS 1 gets PUBACK 0x97 (INF); 3.1.1 cannot say why, so it gets a plain PUBACK.
    gate.host.log.info({ event: 'throttled', clientId: gate.clientId, topic: verdict.topic, qos: packet.qos, reason: 'retained-limit' })
    if (packet.qos === 1) gate.writeOut(encode({ cmd: 'puback', messageId: packet.messageId, reasonCode: gate.version === 5 ? RC.QUOTA_EXCEEDED : undefined }, gate.version))
    return
  }
  if (packet.qos > 0) {
    // [QOS1-INFLIGHT-100] [MQTT-3.3.4-9] more unacknowledged QoS 1/2 PUBLISHes than the Receive Maximum
    // the CONNACK advertised. (Those the gate answered itself above never count.)
    if (gate.version === 5 && !gate.inbound.has(packet.messageId) && gate.inbound.size >= gate.profile.mqtt.receiveMaximum) {
      return gate.violation(RC.RECEIVE_MAXIMUM_EXCEEDED, 'receive-maximum-exceeded', `more than ${gate.profile.mqtt.receiveMaximum} unacknowledged QoS 1 and 2 PUBLISH packets`)
    }
    gate.inbound.opened(packet.messageId)
  }
  if (packet.qos === 1 && gate.version === 5 && gate.host.faults.has('puback-no-matching-subscribers')) gate.deviated?.notePublish(packet.messageId, verdict.topic)
  // The `aliases-outlive-connection` deviation resolves an alias set on an earlier connection itself (aedes knows only this one's).
  const leaked = gate.host.faults.has('aliases-outlive-connection') && gate.version === 5 && !packet.topic && packet.properties?.topicAlias !== undefined
  if (leaked) {
    packet.topic = verdict.topic
    delete packet.properties.topicAlias
  }
  const out = verdict.rewritten || leaked ? encode(packet, gate.version) : frame
  // The `nonretained-replaces-retained` deviation stores a plain publish as the topic's retained message.
  if (!packet.retain && gate.host.faults.has('nonretained-replaces-retained') && gate.host.hasRetained(verdict.topic)) out[0] = out[0]! | 0x01
  gate.forward(out)
}

function handlePuback(gate: WireGate, frame: Buffer, messageId: number): void {
  gate.shaper?.acked(messageId)
  if (!gate.direct.acked(messageId)) gate.forward(frame)
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
