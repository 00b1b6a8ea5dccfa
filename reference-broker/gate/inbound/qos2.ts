import type { InboundHandler } from '../connection.js'
import { RC } from '../../reason-codes.js'
import { decoded } from './decode.js'

/**
 * PUBREC, PUBREL and PUBCOMP from a client: part of a QoS 2 exchange where the
 * profile supports QoS 2, otherwise a protocol error [QOS-NO-PUBREC-AUTH].
 */
export const qos2Flow: InboundHandler = decoded((conn, frame) => {
  if (conn.qos2Reaction() === 'support') return conn.forward(frame)
  conn.violation(RC.PROTOCOL_ERROR, 'qos2-flow-unsupported')
})
