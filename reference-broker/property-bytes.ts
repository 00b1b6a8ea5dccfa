import { PT } from './mqtt-codec.js'
import { RC } from './reason-codes.js'

/** What the bytes of a client packet break, with the MQTT 5 reason code that says so. */
export interface BytesProblem {
  code: typeof RC.MALFORMED_PACKET | typeof RC.PROTOCOL_ERROR
  reason: 'malformed-packet' | 'protocol-error'
  detail: string
}

type Where = 'connect' | 'will' | 'publish' | 'puback' | 'pubrec' | 'pubrel' | 'pubcomp' | 'subscribe' | 'unsubscribe' | 'disconnect' | 'auth'
type ValueType = 'byte' | 'int16' | 'int32' | 'var' | 'string' | 'binary' | 'pair'

interface PropertyRule {
  name: string
  type: ValueType
  /** Where a client may send it (MQTT 5 §2.2.2.2, Table 2-4, client-to-server packets only). */
  in: readonly Where[]
  /** A byte whose only values are 0 and 1. */
  boolean?: true
}

const ACKS: readonly Where[] = ['puback', 'pubrec', 'pubrel', 'pubcomp']
const MESSAGE: readonly Where[] = ['publish', 'will']

/**
 * MQTT 5 properties by identifier. Those only a server sends (CONNACK, SUBACK,
 * UNSUBACK) have no client packet: from a client they are a Protocol Error.
 */
const PROPERTIES: ReadonlyMap<number, PropertyRule> = new Map<number, PropertyRule>([
  [0x01, { name: 'Payload Format Indicator', type: 'byte', in: MESSAGE, boolean: true }],
  [0x02, { name: 'Message Expiry Interval', type: 'int32', in: MESSAGE }],
  [0x03, { name: 'Content Type', type: 'string', in: MESSAGE }],
  [0x08, { name: 'Response Topic', type: 'string', in: MESSAGE }],
  [0x09, { name: 'Correlation Data', type: 'binary', in: MESSAGE }],
  [0x0b, { name: 'Subscription Identifier', type: 'var', in: ['publish', 'subscribe'] }],
  [0x11, { name: 'Session Expiry Interval', type: 'int32', in: ['connect', 'disconnect'] }],
  [0x12, { name: 'Assigned Client Identifier', type: 'string', in: [] }],
  [0x13, { name: 'Server Keep Alive', type: 'int16', in: [] }],
  [0x15, { name: 'Authentication Method', type: 'string', in: ['connect', 'auth'] }],
  [0x16, { name: 'Authentication Data', type: 'binary', in: ['connect', 'auth'] }],
  [0x17, { name: 'Request Problem Information', type: 'byte', in: ['connect'], boolean: true }],
  [0x18, { name: 'Will Delay Interval', type: 'int32', in: ['will'] }],
  [0x19, { name: 'Request Response Information', type: 'byte', in: ['connect'], boolean: true }],
  [0x1a, { name: 'Response Information', type: 'string', in: [] }],
  [0x1c, { name: 'Server Reference', type: 'string', in: ['disconnect'] }],
  [0x1f, { name: 'Reason String', type: 'string', in: [...ACKS, 'disconnect', 'auth'] }],
  [0x21, { name: 'Receive Maximum', type: 'int16', in: ['connect'] }],
  [0x22, { name: 'Topic Alias Maximum', type: 'int16', in: ['connect'] }],
  [0x23, { name: 'Topic Alias', type: 'int16', in: ['publish'] }],
  [0x24, { name: 'Maximum QoS', type: 'byte', in: [] }],
  [0x25, { name: 'Retain Available', type: 'byte', in: [] }],
  [0x26, { name: 'User Property', type: 'pair', in: ['connect', 'will', 'publish', ...ACKS, 'subscribe', 'unsubscribe', 'disconnect', 'auth'] }],
  [0x27, { name: 'Maximum Packet Size', type: 'int32', in: ['connect'] }],
  [0x28, { name: 'Wildcard Subscription Available', type: 'byte', in: [] }],
  [0x29, { name: 'Subscription Identifier Available', type: 'byte', in: [] }],
  [0x2a, { name: 'Shared Subscription Available', type: 'byte', in: [] }],
])

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true })
const malformed = (detail: string): BytesProblem => ({ code: RC.MALFORMED_PACKET, reason: 'malformed-packet', detail })
const protocolError = (detail: string): BytesProblem => ({ code: RC.PROTOCOL_ERROR, reason: 'protocol-error', detail })

/** Why `bytes` is not an MQTT UTF-8 string, or null [MQTT5-1.5.4-1] [MQTT5-1.5.4-2]. */
export function utf8Problem(bytes: Buffer): string | null {
  // Plain ASCII without U+0000 is the common case: no decoder needed.
  let ascii = true
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!
    if (b === 0) return 'holds U+0000'
    if (b >= 0x80) { ascii = false; break }
  }
  if (ascii) return null
  let text: string
  try {
    text = STRICT_UTF8.decode(bytes)
  } catch {
    return 'is not well-formed UTF-8'
  }
  return text.includes('\u0000') ? 'holds U+0000' : null
}

/** A cursor over one frame; every read is bounds-checked (the frame already decoded, but never trust it). */
class Reader {
  constructor(readonly buf: Buffer, public pos: number, readonly end: number) {}
  left(): number { return this.end - this.pos }
  byte(): number | null { return this.pos < this.end ? this.buf[this.pos++]! : null }
  skip(n: number): boolean { if (this.pos + n > this.end) return false; this.pos += n; return true }
  varint(): number | null {
    let value = 0
    let multiplier = 1
    for (let i = 0; i < 4; i++) {
      const b = this.byte()
      if (b === null) return null
      value += (b & 0x7f) * multiplier
      if ((b & 0x80) === 0) return value
      multiplier *= 128
    }
    return null
  }
  /** A length-prefixed field's bytes, or null when it runs past the end. */
  field(): Buffer | null {
    if (this.pos + 2 > this.end) return null
    const n = this.buf.readUInt16BE(this.pos)
    if (this.pos + 2 + n > this.end) return null
    const out = this.buf.subarray(this.pos + 2, this.pos + 2 + n)
    this.pos += 2 + n
    return out
  }
}

/**
 * Checks one property section byte for byte: what mqtt-packet's parser lets
 * through because it decodes a byte property as `!== 0` and strings leniently.
 * - a property a client may not send in this packet: Protocol Error (MQTT 5
 *   §2.2.2.2 Table 2-4);
 * - Payload Format Indicator, Request Problem Information or Request Response
 *   Information other than 0 or 1: Protocol Error (§3.3.2.3.2, §3.1.2.11.7,
 *   §3.1.2.11.6);
 * - a string property (Content Type, Response Topic, Reason String,
 *   Authentication Method, Server Reference, User Property name and value) that
 *   is not well-formed UTF-8 or holds U+0000: Malformed Packet [MQTT5-1.5.4-1]
 *   [MQTT5-1.5.4-2] [MQTT5-1.5.7-1].
 */
function sectionProblem(r: Reader, where: Where): BytesProblem | null {
  const length = r.varint()
  if (length === null || length > r.left()) return malformed(`${where} property length runs past the packet`)
  const end = r.pos + length
  const s = new Reader(r.buf, r.pos, end)
  r.pos = end
  while (s.left() > 0) {
    const id = s.varint()
    const rule = id === null ? undefined : PROPERTIES.get(id)
    if (rule === undefined) return malformed(`unknown property identifier ${id ?? '?'} in ${where}`)
    if (!rule.in.includes(where)) return protocolError(`${rule.name} is not allowed in ${where === 'will' ? 'the Will properties' : where.toUpperCase()}`)
    switch (rule.type) {
      case 'byte': {
        const v = s.byte()
        if (v === null) return malformed(`${rule.name} is cut short`)
        if (rule.boolean && v > 1) return protocolError(`${rule.name} is ${v}, not 0 or 1`)
        break
      }
      case 'int16': if (!s.skip(2)) return malformed(`${rule.name} is cut short`); break
      case 'int32': if (!s.skip(4)) return malformed(`${rule.name} is cut short`); break
      case 'var': if (s.varint() === null) return malformed(`${rule.name} is cut short`); break
      case 'binary': if (s.field() === null) return malformed(`${rule.name} is cut short`); break
      case 'string': {
        const v = s.field()
        if (v === null) return malformed(`${rule.name} is cut short`)
        const bad = utf8Problem(v)
        if (bad) return malformed(`${rule.name} ${bad}`)
        break
      }
      case 'pair': {
        for (const part of ['name', 'value']) {
          const v = s.field()
          if (v === null) return malformed(`${rule.name} ${part} is cut short`)
          const bad = utf8Problem(v)
          if (bad) return malformed(`${rule.name} ${part} ${bad}`)
        }
        break
      }
    }
  }
  return null
}

/** Start of the variable header and end of the frame. */
function body(frame: Buffer): Reader | null {
  let i = 1
  while (i < 5 && i < frame.length && frame[i]! & 0x80) i++
  if (i >= frame.length) return null
  return new Reader(frame, i + 1, frame.length)
}

/**
 * The property sections of an MQTT 5 client packet, checked byte for byte
 * (sectionProblem), and the Will Topic as an MQTT UTF-8 string [MQTT5-1.5.4-1]
 * [MQTT5-3.1.3-11].
 * Called after mqtt-packet decoded the frame, so the layout is known to hold;
 * a frame this cannot walk is left to the decoder's verdict. MQTT 3.1.1 frames
 * have no properties: null.
 */
export function propertyBytesProblem(frame: Buffer): BytesProblem | null {
  const r = body(frame)
  if (r === null) return null
  switch (frame[0]! >> 4) {
    case PT.CONNECT: {
      const name = r.field()
      const level = r.byte()
      const flags = r.byte()
      if (name === null || level !== 5 || flags === null || !r.skip(2)) return null
      const own = sectionProblem(r, 'connect')
      if (own) return own
      if (r.field() === null) return null // client identifier
      if ((flags & 0x04) === 0) return null
      const will = sectionProblem(r, 'will')
      if (will) return will
      const topic = r.field()
      if (topic === null) return null
      const bad = utf8Problem(topic)
      return bad ? malformed(`Will Topic ${bad}`) : null
    }
    case PT.PUBLISH: {
      if (r.field() === null) return null
      if (((frame[0]! >> 1) & 0x03) > 0 && !r.skip(2)) return null
      return sectionProblem(r, 'publish')
    }
    case PT.PUBACK: case PT.PUBREC: case PT.PUBREL: case PT.PUBCOMP: {
      // Packet id, then a reason code and properties only when the packet is long enough.
      if (!r.skip(3) || r.left() === 0) return null
      return sectionProblem(r, (['puback', 'pubrec', 'pubrel', 'pubcomp'] as const)[(frame[0]! >> 4) - PT.PUBACK]!)
    }
    case PT.SUBSCRIBE: case PT.UNSUBSCRIBE:
      if (!r.skip(2)) return null
      return sectionProblem(r, frame[0]! >> 4 === PT.SUBSCRIBE ? 'subscribe' : 'unsubscribe')
    case PT.DISCONNECT: case PT.AUTH:
      if (!r.skip(1) || r.left() === 0) return null
      return sectionProblem(r, frame[0]! >> 4 === PT.DISCONNECT ? 'disconnect' : 'auth')
    default:
      return null
  }
}
