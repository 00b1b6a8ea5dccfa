import { z } from 'zod'
import { defineStep, checkClientRef, type StepProblem } from '../step-definition.js'
import { clientRefSchema } from './common.js'

/**
 * How a WebSocket client cuts what one `send` writes into data frames
 * [MQTT-6.0.0-1] [MQTT-6.0.0-2]: `frames: 3` splits the bytes into three frames
 * of near-equal size, `frames: [1, 4]` into frames of 1 and 4 bytes and one
 * more with the rest; `frameType: text` sends text frames instead of binary.
 * Every frame is a whole WebSocket message (FIN set). Absent: one binary frame.
 */
const framesSchema = z
  .union([z.number().int().min(1).max(64), z.array(z.number().int().min(1)).min(1).max(64)])
  .describe('WebSocket clients: split the bytes into this many frames of near-equal size, or into frames of these sizes (the rest, if any, in one more frame)')

const frameTypeSchema = z.enum(['binary', 'text']).describe('WebSocket clients: the data frame type (default binary); a text frame is what MQTT forbids')

/**
 * `send: { client, packet: {cmd: publish, ...} }` or `send: { client, bytes: "30 0a ..." }`.
 * Raw clients only: what a well-behaved library refuses to send. `open: true`
 * opens a new connection first and sends no CONNECT of its own, so the bytes can
 * be a CONNECT no library would build (then `expect` / `expect-closed` judge the answer).
 * On a WebSocket client (`transport: ws`), `frames` and `frameType` choose the frames.
 */
export const sendStep = defineStep({
  kind: 'send',
  description: 'Raw clients only: send a packet object (mqtt-packet shape, e.g. { cmd: publish, topic, qos, properties: { topicAlias: 9 } }) or hex bytes (several packets back to back are one write); open: true sends them first on a new connection (a hand-made CONNECT); frames / frameType (transport: ws) choose the WebSocket frames',
  schema: z.strictObject({
    client: clientRefSchema,
    packet: z.looseObject({ cmd: z.enum(['connect', 'publish', 'puback', 'pubrec', 'pubrel', 'pubcomp', 'subscribe', 'unsubscribe', 'pingreq', 'disconnect', 'auth']) }).optional(),
    bytes: z.string().regex(/^(?:[0-9a-fA-F]{2}\s*)+$/, { error: 'expected hex bytes, e.g. "e0 00"' }).optional(),
    open: z.literal(true).optional().describe('Open a new connection first, without the client\'s CONNECT: the packet or bytes are the first thing sent'),
    frames: framesSchema.optional(),
    frameType: frameTypeSchema.optional(),
  }).refine((a) => (a.packet === undefined) !== (a.bytes === undefined), { message: 'give exactly one of packet or bytes' }),
  check: (args, ctx) => {
    const missing = checkClientRef(args.client, ctx)
    if (missing.length) return missing
    const decl = ctx.clients[args.client]!
    if (decl.kind !== 'raw') return [{ path: ['client'], message: `send needs a raw client; declare "${args.client}" with kind: raw` }]
    const problems: StepProblem[] = []
    for (const key of ['frames', 'frameType'] as const) {
      if (args[key] !== undefined && decl.transport !== 'ws') problems.push({ path: [key], message: `${key} chooses WebSocket frames; declare "${args.client}" with transport: ws` })
    }
    return problems
  },
})
