import type { OutboundHandler } from '../connection.js'
import { RC } from '../../reason-codes.js'

/** Whether aedes' DISCONNECT is the 0x8E of a client-id takeover [CID-TAKEOVER-V5-REASON]. */
export function isTakeover(frame: Buffer): boolean {
  return frame.length > 2 && frame[2] === RC.SESSION_TAKEN_OVER
}

/** aedes ends the connection: its DISCONNECT (0x8E on a takeover [CID-TAKEOVER]) goes out, then the close. */
export const disconnect: OutboundHandler = (gate, frame) => {
  gate.closingByServer(isTakeover(frame) ? 'duplicate-clientid' : 'server-disconnect')
  return gate.writeOut(frame)
}
