/**
 * Outbound PUBLISHes with a large payload keep the payload Buffer aedes shares
 * between subscribers (split-frame.ts): each subscriber costs its header bytes,
 * not a copy of the payload. What is split, what the shaper does with a split
 * frame (in-flight cap, byte budget, replay), and over real sockets: every
 * subscriber, MQTT 3.1.1 and 5, QoS 0 and 1, gets every byte.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { encode, FrameDecoder } from '../mqtt-codec.js'
import { joinFrame, splitPublish, type OutFrame } from '../split-frame.js'
import { OutboundShaper, type ShaperOptions } from '../outbound-shaper.js'
import { broker, client, collect, rawConnected, uid } from './helpers.js'
import { makeTlsMaterial } from '../../test/tls-material.js'

const publish = (opts: { qos?: 0 | 1; payload: number; version?: 4 | 5; mei?: number }) => encode({
  cmd: 'publish', topic: 'a/b', qos: opts.qos ?? 0, dup: false, retain: false, payload: Buffer.alloc(opts.payload, 7),
  ...(opts.qos ? { messageId: 9 } : {}),
  ...(opts.mei !== undefined ? { properties: { messageExpiryInterval: opts.mei } } : {}),
} as never, opts.version ?? 4)

/** The frame as aedes writes it: header and topic pieces, then the payload (last `payload` bytes). */
const pieces = (f: Buffer, payload: number, cuts: number[] = [1, 2]) => {
  const headEnd = f.length - payload
  const ends = [...cuts.filter((c) => c < headEnd), headEnd, f.length]
  return ends.map((end, i) => f.subarray(i === 0 ? 0 : ends[i - 1]!, end))
}

describe('splitPublish', () => {
  it('splits one whole PUBLISH before its payload, for QoS 0 and 1, MQTT 3.1.1 and 5, keeping the payload Buffer itself', () => {
    for (const [qos, version] of [[0, 4], [1, 4], [0, 5], [1, 5]] as const) {
      const f = publish({ qos, payload: 40_000, version })
      const parts = pieces(f, 40_000)
      const split = splitPublish(parts)
      expect(split).not.toBeNull()
      expect(split!.payload).toBe(parts[parts.length - 1]) // the same Buffer: shared, not copied
      expect(split!.length).toBe(f.length)
      expect(joinFrame(split!).equals(f)).toBe(true)
    }
  })

  it('leaves everything else to the joined path: small payloads, two frames, incomplete frames, other packets, a head without the packet id', () => {
    const small = publish({ payload: 100 })
    expect(splitPublish(pieces(small, 100))).toBeNull()
    const big = publish({ payload: 5000 })
    expect(splitPublish([big])).toBeNull() // one piece: nothing to share
    expect(splitPublish([...pieces(big, 5000), ...pieces(big, 5000)])).toBeNull()
    expect(splitPublish(pieces(big, 5000).slice(0, -1).concat(big.subarray(big.length - 4000)))).toBeNull()
    const q1 = publish({ qos: 1, payload: 5000 })
    // Split inside the packet id: the head cannot tell the id, so no split.
    const headEnd = q1.length - 5000
    expect(splitPublish([q1.subarray(0, headEnd - 1), q1.subarray(headEnd - 1)])).toBeNull()
    const sub = encode({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'x'.repeat(2000), qos: 0 }] } as never, 4)
    expect(splitPublish([sub.subarray(0, 10), sub.subarray(10)])).toBeNull()
  })
})

describe('splitPublish at its edges', () => {
  /** A QoS 0 MQTT 3.1.1 PUBLISH head with this Remaining Length encoding and topic, for a payload of `payload` bytes. */
  const head = (remaining: number[], topic: Buffer) => Buffer.concat([Buffer.from([0x30, ...remaining]), topic])
  const varint = (n: number) => { const out: number[] = []; do { let b = n % 128; n = Math.floor(n / 128); if (n > 0) b |= 0x80; out.push(b) } while (n > 0); return out }
  const topic = Buffer.from([0, 3, 0x61, 0x2f, 0x62]) // "a/b"

  it('splits from a payload of 1024 bytes, not 1023', () => {
    for (const [n, splits] of [[1023, false], [1024, true]] as const) {
      const f = publish({ payload: n })
      expect(splitPublish(pieces(f, n)) !== null).toBe(splits)
    }
  })

  it('splits a head sent as one piece (two pieces in all), and returns null for no pieces at all', () => {
    const f = publish({ qos: 1, payload: 2000 })
    const split = splitPublish(pieces(f, 2000, []))
    expect(split).not.toBeNull()
    expect(joinFrame(split!).equals(f)).toBe(true)
    expect(splitPublish([])).toBeNull()
  })

  it('reads a Remaining Length of four bytes, and refuses five (a frame no MQTT length can describe)', () => {
    const n = 2_100_000 // Remaining Length above 2^21: four bytes
    const f = publish({ payload: n })
    expect(f[4]! & 0x80).toBe(0)
    expect(f[3]! & 0x80).toBe(0x80)
    const split = splitPublish(pieces(f, n))
    expect(split?.length).toBe(f.length)
    // The same length in five bytes (an overlong encoding with a final 0x00): not a PUBLISH to split.
    const four = varint(topic.length + 2000)
    while (four.length < 4) { four[four.length - 1]! |= 0x80; four.push(0) }
    four[3]! |= 0x80
    const overlong = head([...four, 0], topic)
    expect(splitPublish([overlong, Buffer.alloc(2000)])).toBeNull()
  })

  it('returns null for a head that stops inside the topic length, and splits one whose topic is empty', () => {
    const cut = head(varint(topic.length + 2000), topic.subarray(0, 1))
    expect(splitPublish([cut, Buffer.concat([topic.subarray(1), Buffer.alloc(2000)])])).toBeNull()
    const empty = head(varint(2 + 2000), Buffer.from([0, 0]))
    expect(splitPublish([empty, Buffer.alloc(2000)])?.head.equals(empty)).toBe(true)
  })
})

describe('OutboundShaper with split frames', () => {
  beforeEach(() => { vi.useFakeTimers({ now: 1_000_000 }) })
  afterEach(() => { vi.useRealTimers() })

  function shaper(over: Partial<ShaperOptions> = {}) {
    const written: OutFrame[] = []
    const s = new OutboundShaper({
      inflightMaximum: 100, replayRatePerSecond: 0, softBytes: 1_000_000, hardBytes: 5_000_000, version: 4,
      write: (f) => written.push(f), bufferedBytes: () => 0, injectPuback: () => {}, onSlowConsumer: () => {},
      onDrop: () => {}, ...over,
    })
    return { s, written }
  }
  const split = (qos: 0 | 1, id: number, version: 4 | 5 = 4, mei?: number) => {
    const f = encode({ cmd: 'publish', topic: 'a/b', qos, dup: false, retain: false, payload: Buffer.alloc(4000, id), ...(qos ? { messageId: id } : {}), ...(mei !== undefined ? { properties: { messageExpiryInterval: mei } } : {}) } as never, version)
    return splitPublish(pieces(f, 4000))!
  }

  it('writes a split frame as it is, holds split QoS 1 frames for an in-flight slot and paces them in order for the byte budget', () => {
    const { s, written } = shaper({ inflightMaximum: 1, throughputBytesPerSecond: 16_000 })
    const frames = [split(1, 1), split(1, 2), split(1, 3)]
    for (const f of frames) s.publish(f)
    expect(written).toEqual([frames[0]]) // the very object: nothing joined or copied
    s.acked(1)
    s.acked(2)
    // Frame 3 may wait for the byte budget (4 KB a piece, 4 KB/quarter second): it comes, in order.
    vi.advanceTimersByTime(2000)
    expect(written).toEqual(frames)
  })

  it('joins a split frame where it must rewrite it: the replay of stored messages with what is left of their expiry [MEI-REMAINING]', () => {
    const { s, written } = shaper({ version: 5 })
    const decoder = new FrameDecoder(5)
    s.startReplay()
    s.publish(split(1, 4, 5, 60))
    expect(written).toHaveLength(1)
    expect(Buffer.isBuffer(written[0])).toBe(true)
    const p = decoder.decode(joinFrame(written[0]!)) as { payload: Buffer; properties: { messageExpiryInterval: number } }
    expect(p.payload.length).toBe(4000)
    expect(p.properties.messageExpiryInterval).toBeLessThanOrEqual(60)
  })
})

describe('shared payloads over real sockets', () => {
  it('every subscriber (MQTT 3.1.1 and 5, QoS 0 and 1) gets every byte of large messages, in order, each message once', async () => {
    const b = await broker({ overrides: { mqtt: { publishesPerSecondPerConnection: 0, throughputBytesPerSecond: 0 } } })
    const topic = `split/${uid()}`
    const subs = await Promise.all([4, 5, 4, 5].map(async (version, i) => {
      const c = await client(b.urls.mqtt!, { protocolVersion: version as 4 | 5 })
      const got = collect(c)
      await c.subscribeAsync(topic, { qos: (i % 2) as 0 | 1 })
      return { c, got }
    }))
    const pub = await client(b.urls.mqtt!)
    const payloads = Array.from({ length: 20 }, (_, i) => Buffer.alloc(20_000 + i * 1000, i + 1))
    for (const p of payloads) await pub.publishAsync(topic, p, { qos: 1 })
    for (const { got } of subs) {
      await got.waitFor(payloads.length)
      expect(got.messages.map((m) => m.payload.length)).toEqual(payloads.map((p) => p.length))
      got.messages.forEach((m, i) => expect(m.payload.equals(payloads[i]!)).toBe(true))
    }
    // A raw reader sees whole, well-formed frames (no stray bytes between the split pieces).
    const { c: rawSub } = await rawConnected(b.urls.mqtt!, 5, { clientId: uid('raw') })
    rawSub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 1 }] })
    await rawSub.next((p) => p.cmd === 'suback', 3000)
    await pub.publishAsync(topic, payloads[3]!, { qos: 1 })
    const got = await rawSub.next((p) => p.cmd === 'publish', 3000)
    expect(Buffer.from(got.payload as Buffer).equals(payloads[3]!)).toBe(true)
  })

  it('over TLS (split pieces through the TLS socket) and WebSocket (never split: one packet per message) alike', async () => {
    const m = makeTlsMaterial()
    const b = await broker({ tls: { key: m.serverKey, cert: m.serverCert }, overrides: { mqtt: { publishesPerSecondPerConnection: 0, throughputBytesPerSecond: 0 } } })
    const topic = `split/${uid()}`
    const subs = await Promise.all([
      client(b.urls.mqtts!, { ca: m.ca, servername: 'localhost', protocolVersion: 5 }),
      client(b.urls.ws!, { protocolVersion: 4 }),
    ].map(async (pending) => {
      const c = await pending
      const got = collect(c)
      await c.subscribeAsync(topic, { qos: 1 })
      return got
    }))
    const pub = await client(b.urls.mqtt!)
    const payloads = Array.from({ length: 8 }, (_, i) => Buffer.alloc(30_000 + i * 7_000, 0x41 + i))
    for (const p of payloads) await pub.publishAsync(topic, p, { qos: 1 })
    for (const got of subs) {
      await got.waitFor(payloads.length)
      got.messages.forEach((msg, i) => expect(msg.payload.equals(payloads[i]!)).toBe(true))
    }
  })
})
