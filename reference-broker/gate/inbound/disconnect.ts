import type { InboundHandler } from '../connection.js'
import { decoded } from './decode.js'

/** A client DISCONNECT: aedes ends the connection without the Will [LWT-NOT-ON-DISCONNECT]. */
export const disconnect: InboundHandler = decoded((conn, frame) => {
  conn.sawClientDisconnect()
  // [PS-SEI-ON-DISCONNECT] a session whose interval is 0 cannot be raised by the DISCONNECT:
  // aedes was given 1 s (see checkConnect), so it must learn before it handles the DISCONNECT.
  if (conn.endSessionAtClose) conn.host.endSessionNow(conn)
  conn.forward(frame)
})
