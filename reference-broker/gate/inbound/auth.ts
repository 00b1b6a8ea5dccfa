import type { InboundHandler } from '../connection.js'
import { RC } from '../../reason-codes.js'
import { decoded } from './decode.js'

/** The Authenticate reason codes (MQTT 5 §3.15.2.1) [MQTT5-3.15.2-1]. */
export const AUTH_RC = { SUCCESS: 0x00, CONTINUE: 0x18, REAUTHENTICATE: 0x19 } as const

/**
 * A client AUTH. Without enhanced authentication (AWS IoT Core has none
 * [M5-NO-AUTH-PACKET]; a CONNECT without Authentication Method may send none
 * [MQTT5-4.12.0-7]) it is a Protocol Error. With HX-CHALLENGE (hx-challenge.ts):
 * the answer to the server's challenge (0x18), or a re-authentication request
 * (0x19) once connected [MQTT5-4.12.1-1]; another method, or a code out of turn,
 * is a Protocol Error [MQTT5-4.12.0-5].
 */
export const auth: InboundHandler = decoded((conn, _frame, packet) => {
  const exchange = conn.auth
  if (!exchange) return conn.violation(RC.PROTOCOL_ERROR, 'auth-unsupported')
  const props = (packet.properties ?? {}) as Record<string, unknown>
  if (props.authenticationMethod !== exchange.method) {
    return conn.violation(RC.PROTOCOL_ERROR, 'auth-method-mismatch', `the AUTH names ${String(props.authenticationMethod ?? 'no method')}, the CONNECT ${exchange.method}`)
  }
  const code = Number(packet.reasonCode ?? AUTH_RC.SUCCESS)
  if (exchange.awaiting && code === AUTH_RC.CONTINUE) {
    if (!exchange.answer(props.authenticationData)) return conn.handlers.authFailed(conn, `wrong answer to the ${exchange.method} challenge`)
    if (conn.state === 'authenticating') return conn.authenticated()
    return conn.writeOut(conn.handlers.authFrame(conn, AUTH_RC.SUCCESS))
  }
  if (!exchange.awaiting && code === AUTH_RC.REAUTHENTICATE && conn.state === 'connected') {
    return conn.writeOut(conn.handlers.authFrame(conn, AUTH_RC.CONTINUE, exchange.challenge())) // [MQTT5-4.12.0-2]
  }
  conn.violation(RC.PROTOCOL_ERROR, 'auth-out-of-turn', `AUTH with reason code 0x${code.toString(16)} out of turn`)
})

/** A wrong answer: the CONNECT is refused (CONNACK 0x87), a re-authentication ends the connection (DISCONNECT 0x87) [MQTT5-4.12.1-2]. */
export function authFailed(conn: Parameters<InboundHandler>[0], detail: string): void {
  conn.violation(RC.NOT_AUTHORIZED, 'auth-failed', detail)
}
