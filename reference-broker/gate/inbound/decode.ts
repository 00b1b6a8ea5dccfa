import type { GateConnection, InboundHandler } from '../connection.js'
import { RC } from '../../reason-codes.js'
import { shapeProblem } from '../../packet-shape.js'
import { propertyBytesProblem } from '../../property-bytes.js'

/** MQTT 5 properties checked byte for byte too: what the decoder reads leniently (property-bytes.ts). */
function propertyProblem(conn: GateConnection, frame: Buffer): ReturnType<typeof propertyBytesProblem> {
  return conn.version === 5 ? propertyBytesProblem(frame) : null
}

/** Decodes a client frame; a frame that does not decode, or has a malformed field, is a violation (null). */
export function decodeInbound(conn: GateConnection, frame: Buffer): Record<string, any> | null {
  let packet: Record<string, any>
  try {
    packet = conn.inDecoder.decode(frame) as Record<string, any>
  } catch (err) {
    conn.violation(RC.MALFORMED_PACKET, 'malformed-packet', (err as Error).message)
    return null
  }
  const problem = shapeProblem(packet) ?? propertyProblem(conn, frame)
  if (problem) {
    conn.violation(problem.code, problem.reason, problem.detail)
    return null
  }
  return packet
}

/** Decodes a client frame without acting on it: null when decodeInbound would refuse it. */
export function peekInbound(conn: GateConnection, frame: Buffer): Record<string, any> | null {
  try {
    const packet = conn.inDecoder.decode(frame) as Record<string, any>
    return shapeProblem(packet) ?? propertyProblem(conn, frame) ? null : packet
  } catch {
    return null
  }
}

/** A handler of the decoded packet (after decodeInbound) as a frame handler. */
export function decoded(handle: (conn: GateConnection, frame: Buffer, packet: Record<string, any>) => void): InboundHandler {
  return (conn, frame) => {
    const packet = decodeInbound(conn, frame)
    if (packet) handle(conn, frame, packet)
  }
}
