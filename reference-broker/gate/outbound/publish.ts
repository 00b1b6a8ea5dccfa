import type { OutboundHandler } from '../connection.js'

/**
 * A PUBLISH aedes delivers goes through the connection's OutboundShaper: replay
 * pacing [PS-REPLAY-RATE], in-flight cap [QOS1-INFLIGHT-100], the client's
 * Maximum Packet Size, slow consumers, the byte budget [LIM-THROUGHPUT-512KIB].
 */
export const publish: OutboundHandler = (gate, frame) => {
  if (gate.state !== 'connected' && gate.state !== 'connecting') return
  return gate.shaper ? gate.shaper.publish(frame) : gate.writeOut(frame)
}
