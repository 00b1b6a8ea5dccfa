import type { GateConnection, OutboundHandler } from '../connection.js'
import { encode } from '../../mqtt-codec.js'
import { connackProperties as awsConnackProperties } from '../../connack-properties.js'
import { connackReasonString } from '../../reason-strings.js'

/**
 * aedes' CONNACK: a refusal goes out as it is; a success gets Session Present
 * as AWS says it and, on MQTT 5, the profile's properties [M5-CONNACK-PROPERTIES].
 */
export const connack: OutboundHandler = (gate, frame) => {
  const packet = gate.outDecoder.decode(frame) as Record<string, any>
  const ok = gate.version === 5 ? packet.reasonCode === 0 : packet.returnCode === 0
  if (!ok) {
    const code = gate.version === 5 ? packet.reasonCode : packet.returnCode
    return gate.connectRefusedByAedes(code, gate.version === 5 ? gate.handlers.refusedConnack(gate, code, undefined, undefined) : frame) // fitted as it is written
  }
  const present = gate.handlers.sessionPresent(gate, !!packet.sessionPresent)
  if (present !== !!packet.sessionPresent) {
    packet.sessionPresent = present
    if (gate.version !== 5) frame = encode(packet, gate.version)
  }
  let assigned: string | undefined
  if (gate.version === 5) {
    packet.properties = gate.handlers.connackProperties(gate, packet.properties)
    if (typeof packet.properties.assignedClientIdentifier === 'string') assigned = packet.properties.assignedClientIdentifier // [CID-ASSIGNED-V5]
    frame = encode(packet, 5)
  }
  gate.connected(frame, !!packet.sessionPresent, assigned)
}

/**
 * aedes says Session Present only when it restored subscriptions; a stored session without
 * any is resumed too [PS-CREATE-311] [PS-CREATE-V5].
 */
export function sessionPresent(conn: GateConnection, aedesSaid: boolean): boolean {
  return aedesSaid || conn.resumesSession
}

/**
 * The profile's CONNACK properties [M5-CONNACK-PROPERTIES] [KA-SERVER-KEEPALIVE-PROPERTY], and the
 * CONNECT's Authentication Method after its AUTH exchange [MQTT5-4.12.0-5].
 */
export function connackProperties(conn: GateConnection, fromAedes: Record<string, unknown> | undefined): Record<string, unknown> {
  const props = awsConnackProperties(fromAedes, conn.profile, conn.keepAlive, conn.endSessionAtClose, conn.requestedKeepAlive)
  if (conn.auth) props.authenticationMethod = conn.auth.method
  return props
}

/**
 * An MQTT 5 CONNACK refusing a CONNECT: under a profile with `connackReasonString` it says why
 * when the client allows problem information (MQTT 5 would allow it on CONNACK even with
 * Request Problem Information 0 [MQTT5-3.1.2-29]; the broker honours the 0), with the profile's
 * `connackUserProperties`; both left out when they would push it past the client's Maximum
 * Packet Size [MQTT5-3.2.2-19] [MQTT5-3.2.2-20].
 */
export function refusedConnack(conn: GateConnection, code: number, reason: string | undefined, maximum: number | undefined): Buffer {
  const m = conn.profile.mqtt
  const properties: Record<string, unknown> = {}
  if (m.connackReasonString && conn.problemInformation) properties.reasonString = connackReasonString(code, reason)
  if (Object.keys(m.connackUserProperties).length > 0) properties.userProperties = { ...m.connackUserProperties }
  const frame = encode({ cmd: 'connack', sessionPresent: false, reasonCode: code, properties }, 5)
  return conn.handlers.fitToClient(frame, maximum, conn.outDecoder)
}
