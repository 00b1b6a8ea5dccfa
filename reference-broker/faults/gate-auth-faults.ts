import type { Fault } from '../deviations.js'
import { PT, encode, frameType, type FrameDecoder } from '../mqtt-codec.js'
import { AUTH_RC } from '../gate/inbound/auth.js'
import { wrapEntry, type GateDecorator } from './gate-decorators.js'

/** An AUTH over the client's Maximum Packet Size loses only this property (the other one stays, too large). */
function fitsAuthWithout(property: 'reasonString' | 'userProperties'): GateDecorator {
  return wrapEntry('fitToClient', (next) => (frame: Buffer, maximum: number | undefined, decoder: FrameDecoder) => {
    if (frameType(frame) !== PT.AUTH || maximum === undefined || frame.length <= maximum) return next(frame, maximum, decoder)
    const packet = decoder.decode(frame) as Record<string, any>
    delete packet.properties?.[property]
    return encode(packet, 5)
  })
}

/**
 * The gate's deviations of MQTT 5 enhanced authentication (the HX-CHALLENGE
 * method, gate/inbound/auth.ts, gate/outbound/auth.ts), run with the mqtt-5
 * profile: AWS IoT Core has no AUTH packet.
 */
export const AUTH_FAULTS: Partial<Record<Fault, GateDecorator>> = {
  // The CONNACK after the AUTH exchange carries no Authentication Method [MQTT5-4.12.0-5].
  'auth-method-missing-from-connack': wrapEntry('connackProperties', (next) => (c, fromAedes) => {
    const props = next(c, fromAedes)
    delete props.authenticationMethod
    return props
  }),
  // The server's challenge carries 0x19 (Re-authenticate) instead of 0x18 (Continue authentication) [MQTT5-4.12.0-2].
  'auth-challenge-wrong-code': wrapEntry('authFrame', (next) => (c, code, challenge) => next(c, code === AUTH_RC.CONTINUE ? AUTH_RC.REAUTHENTICATE : code, challenge)),
  // A successful re-authentication is answered with AUTH 0x01, no Authenticate reason code [MQTT5-3.15.2-1].
  'auth-reason-code-undefined': wrapEntry('authFrame', (next) => (c, code, challenge) => next(c, code === AUTH_RC.SUCCESS ? 0x01 : code, challenge)),
  // An AUTH too large for the client keeps its Reason String [MQTT5-3.15.2-2].
  'auth-reason-string-unfitted': fitsAuthWithout('userProperties'),
  // An AUTH too large for the client keeps its User Properties [MQTT5-3.15.2-3].
  'auth-user-properties-unfitted': fitsAuthWithout('reasonString'),
  // A wrong answer to a re-authentication challenge is ignored: the connection stays open [MQTT5-4.12.1-2].
  'reauth-failure-left-open': wrapEntry('authFailed', (next) => (c, detail) => {
    if (c.state !== 'connected') next(c, detail)
  }),
}
