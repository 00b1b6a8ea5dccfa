import fc from 'fast-check'
import { connectFrame, encodeOrPing, packetObject, rawV5Frame, varInt, type Version } from './packets.js'

/** One change to a frame's bytes; positions are fractions of the length so they fit any frame. */
type Mutation =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'truncate'; at: number }
  | { op: 'remaining-length'; delta: number }
  | { op: 'inner-length'; at: number; value: number }
  | { op: 'insert'; at: number; bytes: number[] }
  | { op: 'duplicate'; at: number; length: number }
  | { op: 'bad-utf8'; at: number; bytes: readonly number[] }

const at = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true })
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('truncate' as const), at }),
  fc.record({ op: fc.constant('remaining-length' as const), delta: fc.oneof(fc.integer({ min: -4, max: 4 }), fc.constantFrom(1000, 268435455)) }),
  fc.record({ op: fc.constant('inner-length' as const), at, value: fc.oneof(fc.integer({ min: 0, max: 8 }), fc.constantFrom(0xff, 0xffff, 0x8000)) }),
  fc.record({ op: fc.constant('insert' as const), at, bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 4 }) }),
  fc.record({ op: fc.constant('duplicate' as const), at, length: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ op: fc.constant('bad-utf8' as const), at, bytes: fc.constantFrom([0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0x00]) }),
)

function headerLength(f: Buffer): number {
  let i = 1
  while (i < f.length && i < 5 && (f[i]! & 0x80)) i++
  return i + 1
}

/** Applies one mutation; the fixed header's remaining length is kept true unless the mutation lies about it. */
export function mutate(f: Buffer, m: Mutation): Buffer {
  const pos = (n: number) => Math.floor(m.op === 'remaining-length' ? 0 : (m as { at: number }).at * n)
  const h = Math.min(headerLength(f), f.length)
  const body = f.subarray(h)
  const rebuild = (b: Buffer) => Buffer.concat([f.subarray(0, 1), varInt(b.length), b])
  switch (m.op) {
    case 'flip': {
      const out = Buffer.from(f)
      const i = pos(out.length)
      out[i] = out[i]! ^ (1 << m.bit)
      return out
    }
    case 'truncate': return f.subarray(0, pos(f.length))
    case 'remaining-length': return Buffer.concat([f.subarray(0, 1), varInt(Math.max(0, Math.min(268435455, body.length + m.delta))), body])
    case 'inner-length': {
      if (body.length < 2) return f
      const b = Buffer.from(body)
      b.writeUInt16BE(m.value, pos(b.length - 1))
      return rebuild(b)
    }
    case 'insert': { const i = pos(body.length + 1); return rebuild(Buffer.concat([body.subarray(0, i), Buffer.from(m.bytes), body.subarray(i)])) }
    case 'duplicate': { const i = pos(body.length + 1); return rebuild(Buffer.concat([body.subarray(0, i + m.length), body.subarray(i, i + m.length), body.subarray(i + m.length)])) }
    case 'bad-utf8': { const i = pos(body.length + 1); return rebuild(Buffer.concat([body.subarray(0, i), Buffer.from(m.bytes), body.subarray(i + m.bytes.length)])) }
  }
}

/** A frame: valid, valid with 1 to 3 mutations, or (MQTT 5) with a hand-built property section. */
function someFrame(v: Version): fc.Arbitrary<Buffer> {
  const valid = packetObject(v).map((p) => encodeOrPing(p, v))
  return fc.oneof(
    { weight: 3, arbitrary: valid },
    { weight: 5, arbitrary: fc.tuple(valid, fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([f, ms]) => ms.reduce(mutate, f)) },
    ...(v === 5 ? [{ weight: 2, arbitrary: rawV5Frame }, { weight: 1, arbitrary: fc.tuple(rawV5Frame, mutation).map(([f, m]) => mutate(f, m)) }] : []),
  )
}

/** What one fuzz connection sends: frames in order, written in one or more pieces. */
export interface FuzzInput {
  version: Version
  /** Frames as hex (readable in a printed counterexample and in regressions.json). */
  frames: string[]
  /** Where the concatenated bytes are cut into separate writes (fractions). */
  cuts: number[]
}

/**
 * A connection's traffic: mostly a valid CONNECT first (so the packets after it
 * reach the connected state), then a random sequence of valid and broken frames.
 */
export function fuzzInput(): fc.Arbitrary<FuzzInput> {
  return fc.constantFrom<Version>(4, 5).chain((v) => fc.record({
    version: fc.constant(v),
    frames: fc.tuple(
      fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 63 }).map((i) => connectFrame(v, `fz-${i}`)) }, { weight: 3, arbitrary: someFrame(v) }),
      fc.array(someFrame(v), { maxLength: 6 }),
    ).map(([first, rest]) => [first, ...rest].map((b) => b.toString('hex'))),
    cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 2 }),
  }))
}
