import type { InboundHandler } from '../connection.js'
import { decoded } from './decode.js'

/** SUBSCRIBE: the filter rules and quotas of gate/subscriptions.ts [SUB-*] [TOPIC-*] [SHARE-*]. */
export const subscribe: InboundHandler = decoded((conn, frame, packet) => conn.subs.subscribe(frame, packet))
