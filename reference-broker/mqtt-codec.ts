import mqtt from 'mqtt-packet'
import type { Packet } from 'mqtt-packet'

export type AnyPacket = Packet
export type ProtocolVersion = 3 | 4 | 5

/** Packet type numbers from the fixed header's high nibble. */
export const PT = {
  CONNECT: 1, CONNACK: 2, PUBLISH: 3, PUBACK: 4, PUBREC: 5, PUBREL: 6, PUBCOMP: 7,
  SUBSCRIBE: 8, SUBACK: 9, UNSUBSCRIBE: 10, UNSUBACK: 11, PINGREQ: 12, PINGRESP: 13,
  DISCONNECT: 14, AUTH: 15,
} as const

export interface FrameSplitterOptions {
  /** Frames larger than this (header included) are reported through onTooLarge without being buffered. */
  maxFrameBytes?: number
  onFrame: (frame: Buffer) => void
  onTooLarge?: (declaredBytes: number) => void
  onMalformed?: (reason: string) => void
}

/**
 * Splits an MQTT byte stream into whole control packets (fixed header +
 * remaining length). It only reads the header, so a frame can be forwarded
 * byte for byte without decoding, and an oversized frame is refused as soon as
 * its declared length is known, before its body is read into memory.
 */
export class FrameSplitter {
  private pending: Buffer | null = null
  private stopped = false

  constructor(private readonly opts: FrameSplitterOptions) {}

  stop(): void {
    this.stopped = true
    this.pending = null
  }

  /** No partial frame is waiting: the next byte pushed starts a frame. */
  get atFrameStart(): boolean {
    return this.pending === null
  }

  push(chunk: Buffer): void {
    if (this.stopped) return
    let buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk
    this.pending = null
    let offset = 0
    while (!this.stopped && offset < buf.length) {
      const header = readFixedHeader(buf, offset)
      if (header === 'incomplete') break
      if (header === 'malformed') {
        this.stopped = true
        this.opts.onMalformed?.('remaining length uses more than 4 bytes')
        return
      }
      const total = header.headerBytes + header.remainingLength
      if (this.opts.maxFrameBytes !== undefined && total > this.opts.maxFrameBytes) {
        this.stopped = true
        this.opts.onTooLarge?.(total)
        return
      }
      if (offset + total > buf.length) break
      this.opts.onFrame(buf.subarray(offset, offset + total))
      offset += total
    }
    if (!this.stopped && offset < buf.length) {
      // Copy so the retained tail does not pin the (possibly large) source chunk.
      this.pending = Buffer.from(buf.subarray(offset))
    }
    buf = Buffer.alloc(0)
  }
}

function readFixedHeader(buf: Buffer, offset: number): { headerBytes: number; remainingLength: number } | 'incomplete' | 'malformed' {
  let multiplier = 1
  let value = 0
  for (let i = 1; i <= 4; i++) {
    if (offset + i >= buf.length) return 'incomplete'
    const byte = buf[offset + i]!
    value += (byte & 0x7f) * multiplier
    if ((byte & 0x80) === 0) return { headerBytes: 1 + i, remainingLength: value }
    multiplier *= 128
  }
  return 'malformed'
}

/** Packet type of a frame. */
export function frameType(frame: Buffer): number {
  return frame[0]! >> 4
}

/** QoS, retain and (for QoS > 0) packet identifier of a PUBLISH frame, read without decoding it. */
export function peekPublish(frame: Buffer): { qos: number; retain: boolean; messageId: number | undefined; headerBytes: number } {
  const flags = frame[0]! & 0x0f
  const qos = (flags >> 1) & 0x03
  let i = 1
  while (frame[i]! & 0x80) i++
  const headerBytes = i + 1
  const topicLength = frame.readUInt16BE(headerBytes)
  const messageId = qos > 0 ? frame.readUInt16BE(headerBytes + 2 + topicLength) : undefined
  return { qos, retain: (flags & 1) === 1, messageId, headerBytes }
}

/**
 * Decodes exactly one frame. Throws with mqtt-packet's reason when the frame is
 * malformed. The parser is per connection because MQTT 5 decoding depends on
 * the version negotiated by CONNECT.
 */
export class FrameDecoder {
  private readonly parser: ReturnType<typeof mqtt.parser>
  private last: AnyPacket | null = null
  private error: Error | null = null

  constructor(version: ProtocolVersion = 4) {
    this.parser = mqtt.parser({ protocolVersion: version })
    this.parser.on('packet', (p: AnyPacket) => { this.last = p })
    this.parser.on('error', (e: Error) => { this.error = e })
  }

  setVersion(version: ProtocolVersion): void {
    (this.parser as unknown as { settings: { protocolVersion: number } }).settings.protocolVersion = version
  }

  decode(frame: Buffer): AnyPacket {
    this.last = null
    this.error = null
    this.parser.parse(frame)
    if (this.error) {
      const err = this.error
      // A parser that saw an error keeps partial state; reset it for the next frame.
      this.resetParser()
      throw err
    }
    if (!this.last) {
      this.resetParser()
      throw new Error('incomplete packet')
    }
    return this.last
  }

  private resetParser(): void {
    // _resetState also empties the parser's buffer list.
    ;(this.parser as unknown as { _resetState: () => void })._resetState()
  }
}

/** A packet mqtt-packet refuses to encode (a value it cannot write). */
export class EncodeError extends Error {
  override readonly name = 'EncodeError'
}

/**
 * Encodes a packet for the given protocol version. Throws EncodeError (never
 * anything else) when mqtt-packet refuses the packet; callers re-encoding a
 * client's packet check its shape first (packet-shape.ts).
 */
export function encode(packet: AnyPacket | Record<string, unknown>, version: ProtocolVersion): Buffer {
  try {
    return mqtt.generate(packet as AnyPacket, { protocolVersion: version })
  } catch (err) {
    throw new EncodeError(`cannot encode ${String((packet as { cmd?: unknown }).cmd)}: ${(err as Error).message}`)
  }
}

/**
 * Decodes a PUBLISH without mqtt-packet when that is safe and cheap: no MQTT 5
 * properties, a valid QoS and a topic that is clean UTF-8. Returns null when
 * the full decoder must decide (it also reports malformed packets).
 */
export function fastPublish(frame: Buffer, version: ProtocolVersion): Record<string, any> | null {
  const flags = frame[0]! & 0x0f
  const qos = (flags >> 1) & 0x03
  if (qos > 2) return null
  let i = 1
  while (frame[i]! & 0x80) i++
  let pos = i + 1
  if (pos + 2 > frame.length) return null
  const topicLength = frame.readUInt16BE(pos)
  pos += 2
  if (pos + topicLength > frame.length) return null
  const topic = frame.toString('utf8', pos, pos + topicLength)
  if (topic.includes('\uFFFD')) return null
  pos += topicLength
  let messageId: number | undefined
  if (qos > 0) {
    if (pos + 2 > frame.length) return null
    messageId = frame.readUInt16BE(pos)
    if (messageId === 0) return null
    pos += 2
  }
  if (version === 5) {
    // Property length 0 is one byte; anything else goes to the full decoder.
    if (frame[pos] !== 0) return null
    pos += 1
  }
  return { cmd: 'publish', topic, qos, retain: (flags & 1) === 1, dup: (flags & 8) === 8, messageId, payload: frame.subarray(pos) }
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true })

/**
 * What is wrong with the topic bytes of a PUBLISH frame as an MQTT UTF-8 string,
 * or null: ill-formed UTF-8 (encoded surrogates included) or U+0000
 * [MQTT5-1.5.4-1] [MQTT5-1.5.4-2]. Only called for a topic that decoded to
 * U+FFFD or U+0000, so well-formed traffic never pays for it.
 */
export function publishTopicUtf8Problem(frame: Buffer): string | null {
  let i = 1
  while (frame[i]! & 0x80) i++
  const pos = i + 1
  if (pos + 2 > frame.length) return null
  const length = frame.readUInt16BE(pos)
  const bytes = frame.subarray(pos + 2, pos + 2 + length)
  let text: string
  try {
    text = STRICT_UTF8.decode(bytes)
  } catch {
    return 'topic is not well-formed UTF-8'
  }
  return text.includes('\u0000') ? 'topic contains U+0000' : null
}

/** Packet identifier of a PUBACK frame. */
export function pubackMessageId(frame: Buffer): number {
  return frame.readUInt16BE(2)
}

/**
 * The protocol name, level and connect-flags offset of a CONNECT frame, read
 * without decoding it (mqtt-packet refuses a level it does not know, which the
 * gate must answer [MQTT311-3.1.2-2]); null when the frame is too short.
 */
export function peekConnect(frame: Buffer): { name: string; level: number; levelOffset: number } | null {
  let i = 1
  while (frame[i]! & 0x80) i++
  const pos = i + 1
  if (pos + 2 > frame.length) return null
  const nameLength = frame.readUInt16BE(pos)
  const levelOffset = pos + 2 + nameLength
  if (levelOffset + 1 >= frame.length) return null
  return { name: frame.toString('latin1', pos + 2, levelOffset), level: frame[levelOffset]!, levelOffset }
}

/**
 * Encodes a PUBLISH without MQTT 5 properties (RETAIN 0, DUP 0) without
 * mqtt-packet: the direct-message path sends one per HTTP request, and this is
 * several times cheaper than the generic encoder. Same bytes as `encode` (the
 * codec tests compare them); the topic must fit in 65,535 bytes and the packet
 * in the 268,435,455-byte remaining-length limit (the HTTP body limit is far below).
 */
export function encodeBarePublish(topic: string, payload: Buffer, qos: 0 | 1, messageId: number | undefined, version: ProtocolVersion): Buffer {
  const topicBytes = Buffer.byteLength(topic)
  const remaining = 2 + topicBytes + (qos > 0 ? 2 : 0) + (version === 5 ? 1 : 0) + payload.length
  const lengthBytes = remaining < 0x80 ? 1 : remaining < 0x4000 ? 2 : remaining < 0x200000 ? 3 : 4
  const out = Buffer.allocUnsafe(1 + lengthBytes + remaining)
  out[0] = 0x30 | (qos << 1)
  let pos = 1
  for (let rest = remaining; ; ) {
    const byte = rest & 0x7f
    rest >>>= 7
    out[pos++] = rest > 0 ? byte | 0x80 : byte
    if (rest === 0) break
  }
  out.writeUInt16BE(topicBytes, pos)
  pos += 2
  pos += out.write(topic, pos, 'utf8')
  if (qos > 0) {
    out.writeUInt16BE(messageId!, pos)
    pos += 2
  }
  if (version === 5) out[pos++] = 0 // property length 0
  payload.copy(out, pos)
  return out
}
