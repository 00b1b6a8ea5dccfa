import type { InboundHandler } from '../connection.js'
import { decodeInbound } from './decode.js'

/** PINGREQ goes to aedes, which answers PINGRESP [MQTT5-3.12.4-1]; the inbound frame already moved the keep-alive deadline. */
export const pingreq: InboundHandler = (conn, frame) => {
  if (frame.length === 2 || decodeInbound(conn, frame)) conn.forward(frame)
}
