/** Fixtures of the outbound shaper's tests (outbound-shaper*.test.ts): PUBLISH frames and a shaper writing into arrays. */
import { encode, FrameDecoder, type ProtocolVersion } from '../mqtt-codec.js'
import { OutboundShaper, type ShaperOptions, type SlowConsumer } from '../outbound-shaper.js'
import { joinFrame, type SplitFrame } from '../split-frame.js'

export function frame(opts: { qos?: 0 | 1 | 2; dup?: boolean; messageId?: number; payload?: number; mei?: number; version?: ProtocolVersion } = {}): Buffer {
  const version = opts.version ?? 5
  return encode({
    cmd: 'publish', topic: 't', qos: opts.qos ?? 0, dup: opts.dup ?? false, retain: false,
    ...(opts.messageId !== undefined ? { messageId: opts.messageId } : {}),
    payload: Buffer.alloc(opts.payload ?? 10, 'x'),
    ...(opts.mei !== undefined ? { properties: { messageExpiryInterval: opts.mei } } : {}),
  }, version)
}

/** A PUBLISH frame of exactly `length` bytes. */
export function frameOfLength(length: number, opts: { qos?: 0 | 1; messageId?: number } = {}): Buffer {
  for (let payload = 0; payload <= length; payload++) {
    const f = frame({ ...opts, payload })
    if (f.length === length) return f
  }
  throw new Error(`no PUBLISH of exactly ${length} bytes`)
}

/** The frame split around its payload, as the gate hands over a PUBLISH with a shared payload. */
export function split(whole: Buffer, payloadBytes: number): SplitFrame {
  const cut = whole.length - payloadBytes
  return { head: whole.subarray(0, cut), payload: whole.subarray(cut), length: whole.length }
}

/** A shaper writing into arrays; `buffered` is what the socket holds, set by the test. */
export function shaper(over: Partial<ShaperOptions> = {}) {
  const out = { written: [] as Buffer[], pubacks: [] as number[], drops: [] as [string, number][], slow: 0, why: [] as SlowConsumer[], counted: 0, buffered: 0 }
  const version = over.version ?? 5
  const s = new OutboundShaper({
    inflightMaximum: 100, replayRatePerSecond: 0, softBytes: 1000, hardBytes: 5000, version,
    write: (f) => out.written.push(joinFrame(f)),
    bufferedBytes: () => out.buffered,
    injectPuback: (id) => out.pubacks.push(id),
    onSlowConsumer: (why) => { out.slow++; out.why.push(why) },
    onDrop: (reason, count) => out.drops.push([reason, count]),
    publishRate: { tryTake: () => (out.counted++, true), waitMs: () => 0 },
    ...over,
  })
  const decoder = new FrameDecoder(version)
  const ids = () => out.written.map((f) => (decoder.decode(f) as { messageId?: number }).messageId)
  const meis = () => out.written.map((f) => (decoder.decode(f) as { properties?: { messageExpiryInterval?: number } }).properties?.messageExpiryInterval)
  return { s, out, ids, meis }
}

