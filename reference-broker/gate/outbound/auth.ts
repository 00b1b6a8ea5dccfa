import type { GateConnection } from '../connection.js'
import { encode } from '../../mqtt-codec.js'
import { AUTH_STEPS, AUTH_REASON_STRINGS } from '../../hx-challenge.js'

/**
 * The server's AUTH: the CONNECT's Authentication Method [MQTT5-4.12.0-5], the
 * reason code (0x18 with a challenge [MQTT5-4.12.0-2], 0x00 when a
 * re-authentication succeeded) [MQTT5-3.15.2-1], and a Reason String and the
 * User Property `hx-auth-step` when the client's Request Problem Information
 * allows [MQTT5-3.1.2-29]. writeOut fits it to the client's Maximum Packet Size
 * (fit-packet-size.ts) [MQTT5-3.15.2-2] [MQTT5-3.15.2-3].
 */
export function authFrame(conn: GateConnection, reasonCode: number, challenge?: string): Buffer {
  const step = challenge === undefined ? 'success' : 'challenge'
  const properties: Record<string, unknown> = { authenticationMethod: conn.auth?.method }
  if (challenge !== undefined) properties.authenticationData = Buffer.from(challenge, 'utf8')
  if (conn.problemInformation) {
    properties.reasonString = AUTH_REASON_STRINGS[step]
    properties.userProperties = { 'hx-auth-step': AUTH_STEPS[step] }
  }
  return encode({ cmd: 'auth', reasonCode, properties }, 5)
}
