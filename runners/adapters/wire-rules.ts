import type { WireRuleName } from '../../spec/index.js'

/** A frame as received: the whole packet, fixed header included. */
interface Frame {
  bytes: Buffer
  type: number
  flags: number
  /** Offset of the variable header, after the Remaining Length. */
  body: number
  version: 3 | 4 | 5
  /** The Maximum Packet Size the client sent in its CONNECT, if any. */
  clientMaximum: number | undefined
}

/** A Variable Byte Integer at `at`: its value, its size, and whether it used more bytes than needed. */
function varInt(buf: Buffer, at: number): { value: number; size: number; padded: boolean } | null {
  let value = 0
  for (let i = 0; i < 4; i++) {
    const b = buf[at + i]
    if (b === undefined) return null
    value += (b & 0x7f) * 128 ** i
    if ((b & 0x80) === 0) return { value, size: i + 1, padded: i > 0 && b === 0 }
  }
  return null
}

const PUBLISH = 3
const PUBREL = 6
const SUBSCRIBE = 8
const UNSUBSCRIBE = 10

/** Property identifiers by the size of their value (MQTT 5 section 2.2.2.2). */
const BYTE_PROPS = new Set([0x01, 0x17, 0x19, 0x24, 0x25, 0x28, 0x29, 0x2a])
const TWO_BYTE_PROPS = new Set([0x13, 0x21, 0x22, 0x23])
const FOUR_BYTE_PROPS = new Set([0x02, 0x11, 0x18, 0x27])
const LENGTH_PREFIXED_PROPS = new Set([0x03, 0x08, 0x09, 0x12, 0x15, 0x16, 0x1a, 0x1c, 0x1f])
const SUBSCRIPTION_IDENTIFIER = 0x0b
const USER_PROPERTY = 0x26

/**
 * Where an MQTT 5 packet's Property Length is, or null when the packet has no
 * properties section (PINGRESP) or uses a short form without one (an
 * acknowledgement of Remaining Length 2 or 3, a DISCONNECT or AUTH of 0 or 1).
 */
function propertiesAt(f: Frame): number | null {
  const length = f.bytes.length - f.body
  switch (f.type) {
    case 2: return f.body + 2 // CONNACK: flags, reason code
    case PUBLISH: {
      const topicLength = f.bytes.readUInt16BE(f.body)
      return f.body + 2 + topicLength + (((f.flags >> 1) & 3) > 0 ? 2 : 0)
    }
    case 4: case 5: case PUBREL: case 7: return length < 4 ? null : f.body + 3
    case 9: case 11: return f.body + 2 // SUBACK, UNSUBACK: packet id
    case 14: case 15: return length < 2 ? null : f.body + 1 // DISCONNECT, AUTH: reason code
    default: return null
  }
}

/** Walks an MQTT 5 properties section: its Variable Byte Integers, or a problem. */
function walkProperties(f: Frame, at: number): { varInts: ReturnType<typeof varInt>[]; problem?: string } {
  const length = varInt(f.bytes, at)
  if (!length) return { varInts: [], problem: 'no Property Length' }
  const varInts = [length]
  const end = at + length.size + length.value
  if (end > f.bytes.length) return { varInts, problem: `Property Length ${length.value} runs past the packet` }
  let i = at + length.size
  while (i < end) {
    const id = f.bytes[i++]!
    if (BYTE_PROPS.has(id)) i += 1
    else if (TWO_BYTE_PROPS.has(id)) i += 2
    else if (FOUR_BYTE_PROPS.has(id)) i += 4
    else if (LENGTH_PREFIXED_PROPS.has(id)) i += 2 + (i + 2 <= end ? f.bytes.readUInt16BE(i) : 0)
    else if (id === USER_PROPERTY) {
      for (let k = 0; k < 2; k++) i += 2 + (i + 2 <= end ? f.bytes.readUInt16BE(i) : 0)
    } else if (id === SUBSCRIPTION_IDENTIFIER) {
      const v = varInt(f.bytes, i)
      if (!v) return { varInts, problem: 'a Subscription Identifier is cut short' }
      varInts.push(v)
      i += v.size
    } else return { varInts, problem: `unknown property 0x${id.toString(16)}` }
  }
  return i === end ? { varInts } : { varInts, problem: `the properties run past their Property Length ${length.value}` }
}

/** Each rule: null when the frame keeps it, else what is wrong. */
const RULES: Record<WireRuleName, (f: Frame) => string | null> = {
  'minimal-variable-byte-integers': (f) => {
    if (varInt(f.bytes, 1)?.padded) return 'Remaining Length padded'
    const at = f.version === 5 ? propertiesAt(f) : null
    const [length, ...ids] = at === null || at >= f.bytes.length ? [] : walkProperties(f, at).varInts
    if (length?.padded) return 'Property Length padded'
    return ids.some((v) => v?.padded) ? 'Subscription Identifier padded' : null
  },
  'reserved-flags': (f) => {
    if (f.type === PUBLISH) return null
    const expected = f.type === PUBREL || f.type === SUBSCRIBE || f.type === UNSUBSCRIBE ? 0b0010 : 0
    return f.flags === expected ? null : `flags ${f.flags.toString(2).padStart(4, '0')}, not ${expected.toString(2).padStart(4, '0')}`
  },
  'property-length': (f) => {
    if (f.version !== 5) return null
    const at = propertiesAt(f)
    if (at === null) return null
    if (at >= f.bytes.length) return 'no Property Length'
    return walkProperties(f, at).problem ?? null
  },
  'within-client-maximum-packet-size': (f) =>
    f.clientMaximum !== undefined && f.bytes.length > f.clientMaximum ? `${f.bytes.length} bytes, the client accepts at most ${f.clientMaximum}` : null,
}

/**
 * The encoding rules (spec/wire-rules.ts) one received frame breaks, with
 * what is wrong; empty when the frame is well-formed. `clientMaximum`: the
 * Maximum Packet Size the receiving client sent in its CONNECT.
 */
export function wireProblems(bytes: Buffer, version: 3 | 4 | 5, clientMaximum?: number): { rule: WireRuleName; detail: string }[] {
  const length = varInt(bytes, 1)
  if (!length) return []
  const frame: Frame = { bytes, type: bytes[0]! >> 4, flags: bytes[0]! & 0x0f, body: 1 + length.size, version, clientMaximum }
  const out: { rule: WireRuleName; detail: string }[] = []
  for (const [rule, check] of Object.entries(RULES) as [WireRuleName, (f: Frame) => string | null][]) {
    let detail: string | null
    try { detail = check(frame) } catch { detail = 'the frame is cut short' }
    if (detail) out.push({ rule, detail })
  }
  return out
}

/** Splits a byte stream into MQTT frames (fixed header + Remaining Length), keeping what is incomplete. */
export class FrameSplitter {
  private pending: Buffer = Buffer.alloc(0)

  /** The frames completed by `chunk`. */
  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk
    const out: Buffer[] = []
    for (;;) {
      const length = this.pending.length >= 2 ? varInt(this.pending, 1) : null
      if (!length) break
      const total = 1 + length.size + length.value
      if (this.pending.length < total) break
      out.push(Buffer.from(this.pending.subarray(0, total)))
      this.pending = this.pending.subarray(total)
    }
    return out
  }
}
