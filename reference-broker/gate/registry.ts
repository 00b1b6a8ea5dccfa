import type { Faults } from '../deviations.js'
import type { GateHandlers, InboundHandler, OutboundHandler } from './connection.js'
import { PT } from '../mqtt-codec.js'
import { checkConnect, PUBLISH_RULES } from '../inbound-checks.js'
import { awsReasonString } from '../reason-strings.js'
import { installGateFaults } from '../faults/gate-faults.js'
import { connect, secondConnect, shaperOptions } from './inbound/connect.js'
import { publish, forwardPublish } from './inbound/publish.js'
import { puback } from './inbound/puback.js'
import { qos2Flow } from './inbound/qos2.js'
import { subscribe } from './inbound/subscribe.js'
import { unsubscribe } from './inbound/unsubscribe.js'
import { pingreq } from './inbound/pingreq.js'
import { disconnect } from './inbound/disconnect.js'
import { unexpected } from './inbound/refused.js'
import { auth, authFailed } from './inbound/auth.js'
import { authFrame } from './outbound/auth.js'
import { fitToMaximumPacketSize } from '../fit-packet-size.js'
import { connack, connackProperties, refusedConnack, sessionPresent } from './outbound/connack.js'
import { publish as deliver } from './outbound/publish.js'
import { puback as pubackOut, pubrec, pubcomp, subscriptionAck, passThrough } from './outbound/acks.js'
import { disconnect as serverDisconnect } from './outbound/disconnect.js'
import { encodeSuback, filterVerdict } from './subscriptions.js'

function byType<H>(fallback: H, handlers: Partial<Record<number, H>>): H[] {
  return Array.from({ length: 16 }, (_, type) => handlers[type] ?? fallback)
}

const inbound: readonly InboundHandler[] = byType(unexpected, {
  [PT.CONNECT]: secondConnect,
  [PT.PUBLISH]: publish,
  [PT.PUBACK]: puback,
  [PT.PUBREC]: qos2Flow,
  [PT.PUBREL]: qos2Flow,
  [PT.PUBCOMP]: qos2Flow,
  [PT.SUBSCRIBE]: subscribe,
  [PT.UNSUBSCRIBE]: unsubscribe,
  [PT.PINGREQ]: pingreq,
  [PT.DISCONNECT]: disconnect,
  [PT.AUTH]: auth,
})

const outbound: readonly OutboundHandler[] = byType(passThrough, {
  [PT.CONNACK]: connack,
  [PT.PUBLISH]: deliver,
  [PT.PUBACK]: pubackOut,
  [PT.PUBREC]: pubrec,
  [PT.PUBCOMP]: pubcomp,
  [PT.SUBACK]: subscriptionAck,
  [PT.UNSUBACK]: subscriptionAck,
  [PT.DISCONNECT]: serverDisconnect,
})

/** The gate as AWS IoT Core behaves: every handler and rule, no deviation. */
export const GATE_HANDLERS: GateHandlers = {
  inboundFrameLimit: (profile) => profile.mqtt.maximumPacketSize,
  inboundThroughput: (profile) => profile.mqtt.throughputBytesPerSecond,
  connect,
  inbound,
  outbound,
  checkConnect,
  shaperOptions,
  publishRules: PUBLISH_RULES,
  forwardPublish,
  filterVerdict,
  encodeSuback,
  sessionPresent,
  connackProperties,
  refusedConnack,
  authFrame,
  authFailed,
  fitToClient: fitToMaximumPacketSize,
  disconnectReasonString: awsReasonString,
  directQuota: (conn) => conn.rate.tryTake(),
  publishQuota: (conn) => conn.rate.tryTake(),
  receiveMaximum: (conn) => conn.profile.mqtt.receiveMaximum,
  connectionLost: () => {},
  dropsQos0Early: true,
}

const installed = new WeakMap<Faults, GateHandlers>()

/** The handlers of a broker: GATE_HANDLERS, with its deviations installed when it runs with any. */
export function gateHandlers(faults: Faults): GateHandlers {
  if (faults.size === 0) return GATE_HANDLERS
  let handlers = installed.get(faults)
  if (!handlers) installed.set(faults, (handlers = installGateFaults(GATE_HANDLERS, faults)))
  return handlers
}
