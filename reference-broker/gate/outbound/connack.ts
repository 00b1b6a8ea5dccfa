import type { GateConnection, OutboundHandler } from '../connection.js'
import { encode } from '../../mqtt-codec.js'
import { connackProperties as awsConnackProperties } from '../../connack-properties.js'

/**
 * aedes' CONNACK: a refusal goes out as it is; a success gets Session Present
 * as AWS says it and, on MQTT 5, the profile's properties [M5-CONNACK-PROPERTIES].
 */
export const connack: OutboundHandler = (gate, frame) => {
  const packet = gate.outDecoder.decode(frame) as Record<string, any>
  const ok = gate.version === 5 ? packet.reasonCode === 0 : packet.returnCode === 0
  if (!ok) return gate.connectRefusedByAedes(gate.version === 5 ? packet.reasonCode : packet.returnCode, frame)
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
