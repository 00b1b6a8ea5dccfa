import type { GateConnection, InboundHandler } from '../connection.js'
import { pubackMessageId } from '../../mqtt-codec.js'
import { decodeInbound } from './decode.js'

/**
 * A client PUBACK frees an in-flight slot towards it [QOS1-INFLIGHT-100]; a PUBACK for a
 * direct message is the gate's own (it settles SendDirectMessage), any other goes to aedes.
 */
export const puback: InboundHandler = (conn, frame) => {
  // The most frequent frame skips the general decoder (throughput: the gate must cost little).
  // (An MQTT 5 PUBACK with properties, longer than 6 bytes, is decoded: its Reason String is checked.)
  if (frame.length >= 4 && frame.length <= 6 && (frame[0]! & 0x0f) === 0) return acked(conn, frame, pubackMessageId(frame))
  const packet = decodeInbound(conn, frame)
  if (packet) acked(conn, frame, packet.messageId as number)
}

function acked(conn: GateConnection, frame: Buffer, messageId: number): void {
  conn.shaper?.acked(messageId)
  if (!conn.direct.acked(messageId)) conn.forward(frame)
}
