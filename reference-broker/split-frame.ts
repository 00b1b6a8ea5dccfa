/**
 * An outbound PUBLISH kept in two pieces: its own head (fixed header, topic,
 * packet id, properties) and its payload, one Buffer shared by every
 * subscriber the message goes to. Written to the socket as the two pieces, it
 * costs each subscriber its few header bytes instead of a copy of the payload.
 */
export interface SplitFrame {
  readonly head: Buffer
  readonly payload: Buffer
  /** head.length + payload.length: the frame's size on the wire. */
  readonly length: number
}

/** A frame on its way to a client: whole, or split around a shared payload. */
export type OutFrame = Buffer | SplitFrame

/** The bytes that start the frame (everything peekPublish reads is in them). */
export function headOf(frame: OutFrame): Buffer {
  return Buffer.isBuffer(frame) ? frame : frame.head
}

/** The frame in one Buffer (copies the payload of a split frame). */
export function joinFrame(frame: OutFrame): Buffer {
  return Buffer.isBuffer(frame) ? frame : Buffer.concat([frame.head, frame.payload], frame.length)
}

/** Payloads smaller than this are joined: a copy of a few bytes costs less than a second piece. */
const SPLIT_MIN_PAYLOAD = 1024

/**
 * The PUBLISH that `pieces` (as aedes writes one packet: fixed header, length,
 * topic, ..., payload) hold, split before its last piece, when they hold
 * exactly one whole PUBLISH whose head (up to and including the packet id) is
 * in the pieces before the payload, and the payload is large enough to be worth
 * sharing. Null otherwise (the caller joins the pieces as before).
 */
export function splitPublish(pieces: readonly Buffer[]): SplitFrame | null {
  const payload = pieces[pieces.length - 1]
  if (pieces.length < 2 || payload === undefined || payload.length < SPLIT_MIN_PAYLOAD) return null
  const head = Buffer.concat(pieces.slice(0, -1))
  if (head.length < 2 || head[0]! >> 4 !== 3) return null
  // Remaining Length (1 to 4 bytes) must be in the head and say exactly head + payload.
  let value = 0
  let multiplier = 1
  let i = 1
  for (;; i++) {
    if (i > 4 || i >= head.length) return null
    value += (head[i]! & 0x7f) * multiplier
    if ((head[i]! & 0x80) === 0) break
    multiplier *= 128
  }
  const headerBytes = i + 1
  if (headerBytes + value !== head.length + payload.length) return null
  const qos = (head[0]! >> 1) & 0x03
  if (head.length < headerBytes + 2) return null
  const idEnd = headerBytes + 2 + head.readUInt16BE(headerBytes) + (qos > 0 ? 2 : 0)
  if (idEnd > head.length) return null
  return { head, payload, length: head.length + payload.length }
}
