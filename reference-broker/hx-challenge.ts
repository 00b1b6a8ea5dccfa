import { randomBytes } from 'node:crypto'

/**
 * HX-CHALLENGE, the harness's test method of MQTT 5 enhanced authentication
 * (§4.12), run by the reference broker when the profile has `mqtt.enhancedAuth`
 * (never under aws-iot-core: [M5-NO-AUTH-PACKET]). It proves nothing about the
 * client; it exists so scenarios can drive the AUTH exchange and another broker's
 * test plugin can implement it from this text:
 *
 * 1. The CONNECT carries Authentication Method `HX-CHALLENGE` (any Authentication Data).
 * 2. The server answers AUTH 0x18 (Continue authentication) with the method and
 *    Authentication Data = a fresh challenge: 16 lower-case hexadecimal characters
 *    (UTF-8 bytes, so a scenario can capture and send it back as text).
 * 3. The client answers AUTH 0x18 with the method and Authentication Data = the
 *    challenge, byte for byte.
 * 4. A right answer gets CONNACK 0x00 carrying the method; a wrong one CONNACK 0x87
 *    (Not authorized), then the close.
 * 5. Re-authentication: the client sends AUTH 0x19 with the method, the server a new
 *    challenge (AUTH 0x18), the client its answer; right: AUTH 0x00 with the method;
 *    wrong: DISCONNECT 0x87, then the close [MQTT5-4.12.1-2]. An AUTH naming another
 *    method, or with a reason code out of turn, is a Protocol Error (DISCONNECT 0x82).
 *
 * The server's AUTH packets carry a Reason String and the User Property
 * `hx-auth-step` (`challenge` or `success`) when the client's Request Problem
 * Information allows, each left out when it would make the AUTH larger than the
 * client's Maximum Packet Size [MQTT5-3.15.2-2] [MQTT5-3.15.2-3].
 */
export const CHALLENGE_METHOD = 'HX-CHALLENGE'

/** A fresh challenge: 16 hexadecimal characters. */
export function newChallenge(): string {
  return randomBytes(8).toString('hex')
}

/** Whether the client's Authentication Data answers the challenge (the same bytes). */
export function answersChallenge(challenge: string, data: unknown): boolean {
  return Buffer.isBuffer(data) && data.equals(Buffer.from(challenge, 'utf8'))
}

/** The step the `hx-auth-step` User Property names, by the server AUTH's reason code. */
export const AUTH_STEPS = { challenge: 'challenge', success: 'success' } as const

/** Reason Strings of the server's AUTH packets. */
export const AUTH_REASON_STRINGS = {
  challenge: 'HX-CHALLENGE: send this Authentication Data back in an AUTH with reason code 0x18',
  success: 'HX-CHALLENGE: re-authentication succeeded',
} as const
