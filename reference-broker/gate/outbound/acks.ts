import type { OutboundHandler } from '../connection.js'
import { ackOf } from '../../inbound-window.js'

/** aedes' PUBACK to a client's QoS 1 PUBLISH: the exchange is over (Receive Maximum). */
export const puback: OutboundHandler = (gate, frame) => {
  const { messageId } = ackOf(frame)
  gate.writeOut(frame)
  return gate.inbound.closed(messageId)
}

/** aedes' PUBREC: a failure code ends the QoS 2 exchange; success waits for PUBREL and PUBCOMP. */
export const pubrec: OutboundHandler = (gate, frame) => {
  const { messageId, reasonCode } = ackOf(frame)
  gate.writeOut(frame)
  return reasonCode >= 0x80 ? gate.inbound.closed(messageId) : gate.inbound.answered(messageId)
}

/** aedes' PUBCOMP ends a QoS 2 exchange. */
export const pubcomp: OutboundHandler = (gate, frame) => {
  const { messageId } = ackOf(frame)
  gate.writeOut(frame)
  return gate.inbound.closed(messageId)
}

/** aedes' SUBACK/UNSUBACK, merged with the gate's own verdicts so it answers every filter in order. */
export const subscriptionAck: OutboundHandler = (gate, frame) => gate.writeOut(gate.subs.mergeAck(frame, gate.outDecoder))

/** Any other frame goes out as aedes wrote it (PINGRESP, PUBREL). */
export const passThrough: OutboundHandler = (gate, frame) => gate.writeOut(frame)
