import type { InboundHandler } from '../connection.js'
import { decoded } from './decode.js'

/** UNSUBSCRIBE: shared filters leave the broker's registry, the rest go to aedes (gate/subscriptions.ts). */
export const unsubscribe: InboundHandler = decoded((conn, frame, packet) => conn.subs.unsubscribe(frame, packet))
