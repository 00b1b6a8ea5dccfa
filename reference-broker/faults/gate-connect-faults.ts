import type { Fault } from '../deviations.js'
import type { GateConnection } from '../gate/connection.js'
import { PT, encode } from '../mqtt-codec.js'
import { RC } from '../reason-codes.js'
import { peekInbound } from '../gate/inbound/decode.js'
import { dropWellFormed, wrapEntry, wrapInbound, wrapOutbound, type GateDecorator } from './gate-decorators.js'

/**
 * The gate's deviations around CONNECT and CONNACK (faults/gate-faults.ts
 * installs them first): what a CONNECT is checked against, the session it
 * gets, and the CONNACK and limits that follow.
 */
export const CONNECT_FAULTS: Partial<Record<Fault, GateDecorator>> = {
  // An MQTT 5 CONNECT with an empty client id is refused like MQTT 3.1.1 [CID-ASSIGNED-V5].
  'assigned-client-id-missing': wrapEntry('checkConnect', (next) => (p, profile, host) =>
    !p.clientId ? { refuse: { reason: 'client-id-empty', v5: RC.CLIENT_IDENTIFIER_NOT_VALID, v311: 2 } } : next(p, profile, host)),
  // An MQTT 5 refusal that has a 3.1.1 return code carries that code (0x05, 0x02...), which is no
  // MQTT 5 Connect reason code [MQTT5-3.2.2-8] [CONN-AUTH-FAILURE-CODES].
  // aedes' own refusals (the policy's Not authorized) go out with 0x05 instead of 0x87.
  'connack-v5-codes-311': (h) => wrapEntry('checkConnect', (next) => (p, profile, host) => {
    const verdict = next(p, profile, host)
    const refuse = verdict.refuse
    return refuse && refuse.v311 !== null ? { ...verdict, refuse: { ...refuse, v5: refuse.v311 } } : verdict
  })(wrapOutbound([PT.CONNACK], (next) => (c, f) => {
    if (c.version !== 5 || f[3] !== RC.NOT_AUTHORIZED) return next(c, f)
    const out = Buffer.from(f)
    out[3] = 5
    next(c, out)
  })(h)),
  // A stored session is resumed despite Clean Start 1 [PS-CLEAN-ENDS-SESSION].
  'clean-start-keeps-session': wrapEntry('checkConnect', (next) => (p, profile, host) => {
    if (!(p.clean && p.clientId && host.sessionVersion(String(p.clientId)) !== undefined)) return next(p, profile, host)
    p.clean = false
    const verdict = next(p, profile, host)
    if (!verdict.refuse) verdict.rewritten = true
    return verdict
  }),
  // Clean Start 0 without Session Expiry keeps the session for the account maximum [PS-SEI-DEFAULT-ZERO].
  'sei-absent-keeps-session': wrapEntry('checkConnect', (next) => (p, profile, host) => {
    const verdict = next(p, profile, host)
    if (verdict.refuse || !verdict.endSessionAtClose) return verdict
    verdict.packet.properties.sessionExpiryInterval = profile.sessions.expirySeconds
    verdict.endSessionAtClose = false
    return verdict
  }),
  // A CONNECT without the Will flag gets the Will of the client id's last CONNECT that had one,
  // which is published when the connection drops [MQTT311-3.1.2-12].
  'will-reused': (h) => {
    const wills = new Map<string, unknown>()
    return wrapEntry('checkConnect', (next) => (p, profile, host) => {
      const id = String(p.clientId ?? '')
      if (p.will) wills.set(id, p.will)
      const reused = !p.will && id ? wills.get(id) : undefined
      if (reused) p.will = reused
      const verdict = next(p, profile, host)
      if (reused && !verdict.refuse) verdict.rewritten = true
      return verdict
    })(h)
  },
  // No Will is stored as retained [RET-WILL-RETAIN].
  'will-retain-ignored': wrapEntry('checkConnect', (next) => (p, profile, host) => {
    const verdict = next(p, profile, host)
    if (!verdict.refuse && verdict.packet.will?.retain) {
      verdict.packet.will.retain = false
      verdict.rewritten = true
    }
    return verdict
  }),
  // An Authentication Method is ignored instead of refused [M5-NO-AUTH-PACKET].
  'auth-method-accepted': wrapEntry('checkConnect', (next) => (p, profile, host) => {
    const verdict = next(p, profile, host)
    const props = verdict.refuse ? undefined : verdict.packet.properties as Record<string, unknown> | undefined
    if (!verdict.refuse && props?.authenticationMethod !== undefined) {
      delete props.authenticationMethod
      delete props.authenticationData
      verdict.rewritten = true
    }
    return verdict
  }),
  // Packets larger than the client accepts are sent to it [M5-MAX-PACKET-SIZE].
  'client-packet-size-ignored': wrapEntry('shaperOptions', (next) => (c, p) => ({ ...next(c, p), clientMaximumPacketSize: undefined })),
  // A PUBLISH of exactly the client's Maximum Packet Size is not sent to it [M5-MAX-PACKET-SIZE].
  'client-packet-size-off-by-one': wrapEntry('shaperOptions', (next) => (c, p) => {
    const options = next(c, p)
    return options.clientMaximumPacketSize === undefined ? options : { ...options, clientMaximumPacketSize: options.clientMaximumPacketSize - 1 }
  }),
  // Replayed messages keep their original Message Expiry Interval [MEI-REMAINING].
  'expiry-not-decremented': wrapEntry('shaperOptions', (next) => (c, p) => ({ ...next(c, p), keepOriginalExpiry: true })),
  // A queued message with under 2 s left is delivered with Message Expiry Interval 0 [MEI-ZERO-ROUNDING].
  'mei-zero-below-two-seconds': wrapEntry('shaperOptions', (next) => (c, p) => ({ ...next(c, p), remainingSeconds: (leftMs) => (leftMs < 2000 ? 0 : Math.floor(leftMs / 1000)) })),
  // A second CONNECT is dropped; the connection stays [CONN-DOUBLE-CONNECT].
  'double-connect-ignored': wrapInbound([PT.CONNECT], dropWellFormed),
  // A CONNECT the gate refuses gets its CONNACK, but the connection stays open [MQTT5-3.1.3-8].
  'refused-connect-left-open': wrapEntry('connect', (next) => (c, f) => next(new Proxy(c, {
    get(target, key) {
      if (key === 'refuseConnect') {
        return (refuse: Parameters<GateConnection['refuseConnect']>[0]) => {
          if (target.version === 5) target.socket.write(encode({ cmd: 'connack', sessionPresent: false, reasonCode: refuse.v5 }, 5))
          else if (refuse.v311 !== null) target.socket.write(encode({ cmd: 'connack', sessionPresent: false, returnCode: refuse.v311 }, target.version))
        }
      }
      const value = Reflect.get(target, key, target) as unknown
      return typeof value === 'function' ? value.bind(target) : value
    },
  }), f)),
  // A second CONNECT gets a CONNACK before the connection is closed [MQTT5-3.2.0-2].
  'second-connect-acknowledged': wrapInbound([PT.CONNECT], (next) => (c, f) => {
    if (peekInbound(c, f)) c.writeOut(encode({ cmd: 'connack', sessionPresent: false, returnCode: 0, reasonCode: 0 }, c.version))
    next(c, f)
  }),
  // An MQTT 3.1.1 CONNECT with an empty client id and CleanSession 0 is accepted [MQTT311-3.1.3-8].
  'empty-client-id-persistent-accepted': wrapEntry('checkConnect', (next) => (p, profile, host) => {
    if (p.clientId || p.protocolVersion !== 4 || p.clean !== false) return next(p, profile, host)
    p.clean = true
    const verdict = next(p, profile, host)
    p.clean = false
    return verdict
  }),
  // The client's Receive Maximum is ignored: QoS 1 and 2 go out up to the server's own limit [MQTT5-3.3.4-9] [MQTT5-4.9.0-2].
  'client-receive-maximum-ignored': wrapEntry('shaperOptions', (next) => (c, p) => ({ ...next(c, p), inflightMaximum: c.profile.mqtt.outboundInflightMaximum })),
  // A packet of exactly the advertised Maximum Packet Size is refused [M5-MAX-PACKET-SIZE].
  'packet-size-limit-off-by-one': wrapEntry('inboundFrameLimit', (next) => (profile) => next(profile) - 1),
  // Every Clean Start 0 CONNECT gets Session Present 1 [MQTT311-3.2.2-3].
  'session-present-on-new-session': wrapEntry('sessionPresent', (next) => (c, aedesSaid) => next(c, aedesSaid) || !c.cleanStart),
  // A refusing CONNACK keeps its Reason String past the client's Maximum Packet Size [MQTT5-3.2.2-19].
  'connack-reason-string-unfitted': wrapEntry('refusedConnack', (next) => (c, code, reason) => next(c, code, reason, undefined)),
  // A refusing CONNACK fitted by its Reason String only: the User Properties stay past the client's Maximum Packet Size [MQTT5-3.2.2-20].
  'connack-user-properties-unfitted': wrapEntry('refusedConnack', (next) => (c, code, reason, maximum) => {
    const fitted = next(c, code, reason, maximum)
    const userProperties = c.profile.mqtt.connackUserProperties
    if (maximum === undefined || fitted.length > maximum || Object.keys(userProperties).length === 0) return fitted
    return encode({ cmd: 'connack', sessionPresent: false, reasonCode: code, properties: { userProperties: { ...userProperties } } }, 5)
  }),
  // Response Information nobody asked for [MQTT5-3.1.2-28].
  'response-information-unrequested': wrapEntry('connackProperties', (next) => (c, fromAedes) => ({ ...next(c, fromAedes), responseInformation: 'hx/responses' })),
}
