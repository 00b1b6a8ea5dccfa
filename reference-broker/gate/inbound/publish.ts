import type { GateConnection, InboundHandler } from '../connection.js'
import { encode, fastPublish } from '../../mqtt-codec.js'
import { RC } from '../../reason-codes.js'
import { checkPublish } from '../../inbound-checks.js'
import { decodeInbound } from './decode.js'

/**
 * A client PUBLISH: the PUBLISH rules (inbound-checks.ts), the connection's
 * Receive Maximum [QOS1-INFLIGHT-100], the connection's publish rate
 * [LIM-PUB-RATE-100] and the account's retained limit [RET-COUNT-LIMIT-THROTTLE]; then
 * aedes gets it, byte for byte unless a rule rewrote it.
 */
export const publish: InboundHandler = (conn, frame) => {
  // The most frequent frame skips the general decoder (throughput: the gate must cost little).
  const packet = fastPublish(frame, conn.version) ?? decodeInbound(conn, frame)
  if (packet) handlePublish(conn, frame, packet)
}

function handlePublish(gate: GateConnection, frame: Buffer, packet: Record<string, any>): void {
  const verdict = checkPublish(packet, gate.version, gate.profile, gate.aliases, gate.handlers.publishRules, frame)
  if (verdict.kind === 'violation') return gate.violation(verdict.code, verdict.reason, verdict.reasonString)
  // (3.1.1: a close, after the answers to what came before, like a DISCONNECT on MQTT 5.)
  if (verdict.kind === 'close') return gate.violation(RC.PROTOCOL_ERROR, verdict.reason)
  if (packet.qos > 0 && gate.version === 5 && !gate.inbound.has(packet.messageId) && gate.inbound.size >= gate.handlers.receiveMaximum(gate)) {
    // [QOS1-INFLIGHT-100] [LIM-INFLIGHT] [MQTT-3.3.4-9] more unacknowledged QoS 1/2 PUBLISHes than the
    // Receive Maximum the CONNACK advertised: the client broke the protocol, whatever the quotas say,
    // so this comes before the publish rate. (Those the gate answered itself below never count.)
    return gate.violation(RC.RECEIVE_MAXIMUM_EXCEEDED, 'receive-maximum-exceeded', `more than ${gate.handlers.receiveMaximum(gate)} unacknowledged QoS 1 and 2 PUBLISH packets`)
  }
  if (!gate.handlers.publishQuota(gate)) {
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
  if (packet.qos > 0) gate.inbound.opened(packet.messageId)
  gate.handlers.forwardPublish(gate, verdict.rewritten ? encode(packet, gate.version) : frame, packet, verdict.topic)
}

/**
 * An accepted PUBLISH goes to aedes without the publisher's DUP: an outgoing PUBLISH's DUP says
 * whether the server re-sends it, and aedes would copy the incoming flag [MQTT311-3.3.1-3] [MQTT5-3.3.1-3].
 */
export function forwardPublish(conn: GateConnection, frame: Buffer): void {
  if (frame[0]! & 0x08) frame[0] = frame[0]! & ~0x08
  conn.forward(frame)
}
