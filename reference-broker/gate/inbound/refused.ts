import type { InboundHandler } from '../connection.js'
import { RC } from '../../reason-codes.js'
import { decoded } from './decode.js'

/** A packet type a client never sends (CONNACK, SUBACK, ...). */
export const unexpected: InboundHandler = decoded((conn, frame) => conn.violation(RC.PROTOCOL_ERROR, 'unexpected-packet-type', `packet type ${frame[0]! >> 4} from a client`))
