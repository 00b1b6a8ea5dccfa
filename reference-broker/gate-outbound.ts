import type { WireGate } from './wire-gate.js'
import { PT, encode, frameType } from './mqtt-codec.js'
import { RC } from './reason-codes.js'
import { connackProperties } from './connack-properties.js'
import { ackOf } from './inbound-window.js'

/**
 * The outbound half of a WireGate: each whole frame aedes writes to the client.
 * The CONNACK gets the profile's properties and Session Present, PUBLISHes go
 * through the connection's OutboundShaper (replay pacing, in-flight cap,
 * Maximum Packet Size, slow consumers), SUBACK/UNSUBACK are merged with the
 * gate's own verdicts, a DISCONNECT from aedes starts the close.
 */
export function onOutbound(gate: WireGate, frame: Buffer): void {
  // After an internal error the connection is being closed: aedes' late CONNACK must not register it.
  if (gate.state === 'closed' || gate.closeReason === 'internal-error') return
  switch (frameType(frame)) {
    case PT.CONNACK: return handleConnack(gate, frame)
    case PT.PUBLISH:
      if (gate.state !== 'connected' && gate.state !== 'connecting') return
      if (gate.deviated) frame = gate.deviated.publish(frame)
      return gate.shaper ? gate.shaper.publish(frame) : gate.writeOut(frame)
    case PT.PUBACK: {
      const { messageId } = ackOf(frame)
      gate.writeOut(gate.deviated ? gate.deviated.puback(frame) : frame)
      return gate.inbound.closed(messageId)
    }
    case PT.PUBREC: {
      // A failure code ends the QoS 2 exchange; success waits for PUBREL and PUBCOMP.
      const { messageId, reasonCode } = ackOf(frame)
      gate.writeOut(frame)
      return reasonCode >= 0x80 ? gate.inbound.closed(messageId) : gate.inbound.answered(messageId)
    }
    case PT.PUBCOMP: {
      const { messageId } = ackOf(frame)
      gate.writeOut(frame)
      return gate.inbound.closed(messageId)
    }
    case PT.SUBACK: case PT.UNSUBACK: return gate.writeOut(gate.subs.mergeAck(frame, gate.outDecoder))
    case PT.DISCONNECT: {
      const takenOver = frame.length > 2 && frame[2] === RC.SESSION_TAKEN_OVER
      gate.closeReason ??= takenOver ? 'duplicate-clientid' : 'server-disconnect'
      // The `takeover-silent` deviation drops the 0x8E DISCONNECT on purpose.
      if (takenOver && gate.host.faults.has('takeover-without-disconnect')) return gate.closeNow('duplicate-clientid')
      if (gate.state === 'connected') gate.state = 'closing'
      return gate.writeOut(frame)
    }
    default: return gate.writeOut(frame)
  }
}

function handleConnack(gate: WireGate, frame: Buffer): void {
  const packet = gate.outDecoder.decode(frame) as Record<string, any>
  const ok = gate.version === 5 ? packet.reasonCode === 0 : packet.returnCode === 0
  if (!ok) {
    gate.closeReason = `connack-refused-${gate.version === 5 ? packet.reasonCode : packet.returnCode}`
    gate.state = 'closing'
    return gate.writeOut(frame)
  }
  // aedes says Session Present only when it restored subscriptions; a stored session without
  // any is resumed too (the `session-present-needs-subscriptions` deviation keeps aedes' answer).
  const present = !!packet.sessionPresent || (gate.resumesSession && !gate.host.faults.has('session-present-needs-subscriptions'))
    // The `session-present-on-new-session` deviation answers Session Present 1 to every Clean Start 0 [MQTT311-3.2.2-3].
    || (!gate.cleanStart && gate.host.faults.has('session-present-on-new-session'))
  if (present !== !!packet.sessionPresent) {
    packet.sessionPresent = present
    if (gate.version !== 5) frame = encode(packet, gate.version)
  }
  if (gate.version === 5) {
    packet.properties = connackProperties(packet.properties, gate.profile, gate.keepAlive, gate.endSessionAtClose)
    // The `server-redirect` deviation points the client to another server [M5-NO-SERVER-REDIRECT].
    if (gate.host.faults.has('server-reference-sent')) packet.properties.serverReference = 'other-broker.example:8883'
    // The `response-information-unrequested` deviation sends Response Information nobody asked for [MQTT5-3.1.2-28].
    if (gate.host.faults.has('response-information-unrequested')) packet.properties.responseInformation = 'hx/responses'
    // Deviations: Server Keep Alive left out when it equals the request; Wildcard Subscription Available 0 advertised.
    if (gate.host.faults.has('server-keepalive-omitted') && packet.properties.serverKeepAlive === gate.requestedKeepAlive) delete packet.properties.serverKeepAlive
    if (gate.host.faults.has('connack-wildcard-unavailable')) packet.properties.wildcardSubscriptionAvailable = false
    if (typeof packet.properties.assignedClientIdentifier === 'string') gate.clientId = packet.properties.assignedClientIdentifier // [CID-ASSIGNED-V5]
    frame = encode(packet, 5)
    // The `connack-reserved-flag-set` deviation sets acknowledge-flag bit 1 (after a 1- or 2-byte length) [MQTT5-3.2.2-1].
    if (gate.host.faults.has('connack-reserved-flag-set')) { const at = frame[1]! & 0x80 ? 3 : 2; frame = Buffer.from(frame); frame[at] = frame[at]! | 0x02 }
  }
  gate.state = 'connected'
  gate.armKeepAlive(gate.keepAlive * gate.profile.mqtt.keepAlive.timeoutFactor * 1000)
  if (packet.sessionPresent) gate.shaper?.startReplay()
  gate.sessionResumed = !!packet.sessionPresent
  gate.host.log.info({ event: 'connect', clientId: gate.clientId, version: gate.version, cleanStart: gate.cleanStart, sessionPresent: !!packet.sessionPresent, keepAlive: gate.keepAlive, ...gate.info })
  gate.host.onConnected(gate)
  gate.writeOut(frame)
  gate.connackSent = true
  if (gate.pendingDisconnect) gate.sendDisconnect(gate.pendingDisconnect.code, gate.pendingDisconnect.reasonString)
}
