/**
 * The outbound shaper on its own, on fake timers: the in-flight cap
 * [QOS1-INFLIGHT-100], the client's Maximum Packet Size, the slow-consumer
 * limits, the paced replay of stored messages [PS-REPLAY-RATE] with what is left
 * of their expiry [MEI-REMAINING] [MEI-ZERO-ROUNDING], and the outbound byte
 * budget [LIM-THROUGHPUT-512KIB]: each limit just at and just past its edge.
 * Drops are reported as one (reason, count) summary per reason, a second after
 * the first drop or at close (drop-tally.ts), never one call per message.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { encode, FrameDecoder, type ProtocolVersion } from '../mqtt-codec.js'
import { OutboundShaper, type ShaperOptions, type SlowConsumer } from '../outbound-shaper.js'
import { joinFrame, type SplitFrame } from '../split-frame.js'
import { RateLimiter } from '../rate-limiter.js'

beforeEach(() => { vi.useFakeTimers({ now: 1_000_000 }) })
afterEach(() => { vi.useRealTimers() })

function frame(opts: { qos?: 0 | 1 | 2; dup?: boolean; messageId?: number; payload?: number; mei?: number; version?: ProtocolVersion } = {}): Buffer {
  const version = opts.version ?? 5
  return encode({
    cmd: 'publish', topic: 't', qos: opts.qos ?? 0, dup: opts.dup ?? false, retain: false,
    ...(opts.messageId !== undefined ? { messageId: opts.messageId } : {}),
    payload: Buffer.alloc(opts.payload ?? 10, 'x'),
    ...(opts.mei !== undefined ? { properties: { messageExpiryInterval: opts.mei } } : {}),
  }, version)
}

/** A PUBLISH frame of exactly `length` bytes. */
function frameOfLength(length: number, opts: { qos?: 0 | 1; messageId?: number } = {}): Buffer {
  for (let payload = 0; payload <= length; payload++) {
    const f = frame({ ...opts, payload })
    if (f.length === length) return f
  }
  throw new Error(`no PUBLISH of exactly ${length} bytes`)
}

/** The frame split around its payload, as the gate hands over a PUBLISH with a shared payload. */
function split(whole: Buffer, payloadBytes: number): SplitFrame {
  const cut = whole.length - payloadBytes
  return { head: whole.subarray(0, cut), payload: whole.subarray(cut), length: whole.length }
}

/** A shaper writing into arrays; `buffered` is what the socket holds, set by the test. */
function shaper(over: Partial<ShaperOptions> = {}) {
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

describe('OutboundShaper in-flight cap [QOS1-INFLIGHT-100]', () => {
  it('sends up to the cap, holds the next, and releases held messages in order as PUBACKs free slots', () => {
    const { s, out, ids } = shaper({ inflightMaximum: 2 })
    for (const id of [1, 2, 3, 4]) s.publish(frame({ qos: 1, messageId: id }))
    expect(ids()).toEqual([1, 2])
    expect(s.inflightCount).toBe(2)
    s.publish(frame({ qos: 0 })) // QoS 0 takes no slot
    expect(out.written).toHaveLength(3)
    expect(s.acked(1)).toBe(true)
    expect(ids()).toEqual([1, 2, undefined, 3])
    expect(s.acked(1)).toBe(false) // not in flight any more
    expect(ids()).toEqual([1, 2, undefined, 3])
    expect(s.acked(2)).toBe(true)
    expect(ids()).toEqual([1, 2, undefined, 3, 4])
    expect(s.inflightCount).toBe(2)
    expect(out.counted).toBe(5)
  })

  it('counts ids the gate sent itself (direct messages) as in flight', () => {
    const { s, ids } = shaper({ inflightMaximum: 1 })
    s.trackInflight(9)
    s.publish(frame({ qos: 1, messageId: 1 }))
    expect(ids()).toEqual([])
    expect(s.acked(9)).toBe(true)
    expect(ids()).toEqual([1])
  })

  it('counts a held backlog towards the slow-consumer limit', () => {
    const { s, out } = shaper({ inflightMaximum: 1, hardBytes: 250 })
    s.publish(frameOfLength(200, { qos: 1, messageId: 1 })) // in flight, written
    s.publish(frameOfLength(100, { qos: 1, messageId: 2 })) // held
    expect(out.slow).toBe(0)
    s.publish(frameOfLength(150, { qos: 1, messageId: 3 })) // held bytes now exactly 250
    expect(out.slow).toBe(0)
    s.publish(frame({ qos: 1, messageId: 4, payload: 1 }))
    expect(out.slow).toBe(1)
  })
})

describe('OutboundShaper limits on the client side', () => {
  it('drops a PUBLISH larger than the client\'s Maximum Packet Size, releasing a QoS 1 id [MQTT-3.1.2-25]', () => {
    const size = frame({ qos: 1, messageId: 1 }).length
    const { s, out, ids } = shaper({ clientMaximumPacketSize: size })
    s.publish(frame({ qos: 1, messageId: 1 }))
    s.publish(frame({ qos: 1, messageId: 2, payload: 11 }))
    s.publish(frame({ qos: 0, payload: 100 }))
    expect(ids()).toEqual([1])
    expect(out.pubacks).toEqual([2]) // released at once
    expect(s.inflightCount).toBe(1)
    // The two drops, QoS 1 and QoS 0, are one summary a second after the first.
    vi.advanceTimersByTime(999)
    expect(out.drops).toEqual([])
    vi.advanceTimersByTime(1)
    expect(out.drops).toEqual([['exceeds client maximum packet size', 2]])
  })

  it('drops QoS 0 once more than the soft limit is buffered, never QoS 1', () => {
    const { s, out } = shaper({ softBytes: 1000 })
    out.buffered = 1000
    s.publish(frame({ qos: 0 }))
    expect(out.written).toHaveLength(1)
    out.buffered = 1001
    s.publish(frame({ qos: 0 }))
    s.publish(frame({ qos: 0 }))
    s.publish(frame({ qos: 1, messageId: 7 }))
    expect(out.written).toHaveLength(2)
    expect(out.drops).toEqual([])
    s.close() // what is still counted is reported at close
    expect(out.drops).toEqual([['slow consumer: QoS 0 dropped', 2]])
    expect(out.slow).toBe(0) // no stall rule (stallMs 0) and under the hard limit
  })

  it('reports a slow consumer once more than the hard limit is buffered after a write', () => {
    const { s, out } = shaper({ softBytes: 10_000, hardBytes: 5000 })
    out.buffered = 5000
    s.publish(frame({ qos: 0 }))
    expect(out.slow).toBe(0)
    out.buffered = 5001
    s.publish(frame({ qos: 0 }))
    expect(out.slow).toBe(1)
  })
})

describe('OutboundShaper stored messages [PS-REPLAY-RATE] [MEI-REMAINING]', () => {
  it('paces the replay at the rate, then sends live messages at once', () => {
    const { s, ids } = shaper({ replayRatePerSecond: 10 })
    s.startReplay()
    for (const id of [1, 2, 3]) s.publish(frame({ qos: 1, messageId: id }))
    expect(ids()).toEqual([])
    vi.advanceTimersByTime(0)
    expect(ids()).toEqual([1])
    vi.advanceTimersByTime(99)
    expect(ids()).toEqual([1])
    vi.advanceTimersByTime(1)
    expect(ids()).toEqual([1, 2])
    vi.advanceTimersByTime(100)
    expect(ids()).toEqual([1, 2, 3])
    s.endReplayPhase()
    s.publish(frame({ qos: 1, messageId: 4 }))
    expect(ids()).toEqual([1, 2, 3, 4])
  })

  it('waits for a free in-flight slot before replaying the next QoS 1 message', () => {
    const { s, ids } = shaper({ replayRatePerSecond: 10, inflightMaximum: 1 })
    s.startReplay()
    s.publish(frame({ qos: 1, messageId: 1 }))
    s.publish(frame({ qos: 1, messageId: 2 }))
    vi.advanceTimersByTime(1000)
    expect(ids()).toEqual([1])
    s.acked(1)
    vi.advanceTimersByTime(100)
    expect(ids()).toEqual([1, 2])
  })

  it('sends what is left of the expiry, 0 under a second, and drops what expired while queued [MEI-ZERO-ROUNDING]', () => {
    const { s, out, meis } = shaper({ replayRatePerSecond: 1 })
    s.startReplay()
    s.publish(frame({ qos: 1, messageId: 1, mei: 10 }))
    s.publish(frame({ qos: 1, messageId: 2, mei: 2 })) // replayed 1 s later: 1 s left
    s.publish(frame({ qos: 1, messageId: 3, mei: 3 })) // replayed 2 s later: 1 s left
    s.publish(frame({ qos: 1, messageId: 4, mei: 2 })) // replayed 3 s later: expired
    s.publish(frame({ qos: 0, mei: 1 })) // replayed 4 s later: expired, nothing to release
    s.publish(frame({ qos: 1, messageId: 6 })) // no expiry: sent as it is
    vi.advanceTimersByTime(6000)
    expect(meis()).toEqual([10, 1, 1, undefined])
    // Both expired messages are counted, the QoS 0 one too (as the unpaced path does, below).
    expect(out.drops).toEqual([['message expired while queued', 2]])
    expect(out.pubacks).toEqual([4])
  })

  it('uses the absolute expiry aedes noted, so 999 ms left is 0 and none left is dropped', () => {
    const { s, out, meis } = shaper()
    s.startReplay() // unpaced: sent at once, expiry rewritten
    s.noteExpiry(1, Date.now() + 999)
    s.publish(frame({ qos: 1, messageId: 1, mei: 1 }))
    s.noteExpiry(2, Date.now() + 1000)
    s.publish(frame({ qos: 1, messageId: 2, mei: 1 }))
    s.noteExpiry(3, Date.now())
    s.publish(frame({ qos: 1, messageId: 3, mei: 1 }))
    expect(meis()).toEqual([0, 1])
    expect(out.pubacks).toEqual([3])
    s.endReplayPhase()
    s.publish(frame({ qos: 1, messageId: 4, mei: 60 }))
    vi.advanceTimersByTime(5000)
    expect(meis()).toEqual([0, 1, 60])
    expect(out.drops).toEqual([['message expired while queued', 1]])
  })

  it('leaves live messages as aedes sent them, before any replay and after it', () => {
    for (const replayed of [false, true]) {
      const { s, meis } = shaper()
      if (replayed) {
        s.startReplay()
        s.endReplayPhase()
      }
      s.noteExpiry(5, Date.now() + 60_000)
      vi.advanceTimersByTime(1)
      s.publish(frame({ qos: 1, messageId: 5, mei: 60 }))
      expect(meis(), `after a replay: ${replayed}`).toEqual([60])
    }
  })

  it('drops a stored QoS 0 message that expired without releasing any packet id', () => {
    const { s, out } = shaper()
    s.startReplay()
    s.publish(frame({ qos: 0, mei: 0 }))
    expect(out.written).toEqual([])
    vi.advanceTimersByTime(1000)
    expect(out.drops).toEqual([['message expired while queued', 1]])
    expect(out.pubacks).toEqual([])
  })

  it('forgets the noted expiry of a message once used, so a reused packet id starts afresh', () => {
    const { s, out, meis } = shaper()
    s.startReplay()
    s.noteExpiry(3, Date.now())
    s.publish(frame({ qos: 1, messageId: 3, mei: 1 }))
    expect(out.pubacks).toEqual([3])
    s.publish(frame({ qos: 1, messageId: 3, mei: 10 }))
    expect(meis()).toEqual([10])
    s.close()
    expect(out.drops).toEqual([['message expired while queued', 1]]) // the first only
  })

  it('replays QoS 0 without a free in-flight slot, and QoS 1 only when one is free, with the expiry left then', () => {
    const { s, ids, meis } = shaper({ replayRatePerSecond: 10, inflightMaximum: 1 })
    s.startReplay()
    s.publish(frame({ qos: 1, messageId: 1 }))
    s.publish(frame({ qos: 0 }))
    s.publish(frame({ qos: 1, messageId: 2, mei: 10 }))
    vi.advanceTimersByTime(200)
    expect(ids()).toEqual([1, undefined])
    vi.advanceTimersByTime(4800)
    expect(ids()).toEqual([1, undefined])
    s.acked(1)
    vi.advanceTimersByTime(0)
    expect(ids()).toEqual([1, undefined, 2])
    expect(meis()[2]).toBe(5) // 10 s, replayed 5 s after it was queued
  })

  it('leaves the expiry alone under the expiry-not-decremented deviation and on MQTT 3.1.1', () => {
    const kept = shaper({ replayRatePerSecond: 1, keepOriginalExpiry: true })
    kept.s.startReplay()
    kept.s.publish(frame({ qos: 1, messageId: 1, mei: 10 }))
    kept.s.publish(frame({ qos: 1, messageId: 2, mei: 10 }))
    vi.advanceTimersByTime(2000)
    expect(kept.meis()).toEqual([10, 10])
    const v4 = shaper({ replayRatePerSecond: 0, version: 4 })
    v4.s.startReplay()
    v4.s.publish(frame({ qos: 1, messageId: 1, version: 4 }))
    expect(v4.ids()).toEqual([1])
  })
})

describe('OutboundShaper publish rate [LIM-PUB-RATE-100]', () => {
  it('drops QoS 0 deliveries the window has no room for', () => {
    const { s, out } = shaper({ publishRate: new RateLimiter(3), softBytes: 100_000, hardBytes: 100_000 })
    for (let i = 0; i < 5; i++) s.publish(frame({ qos: 0 }))
    expect(out.written).toHaveLength(3)
    vi.advanceTimersByTime(1000)
    s.publish(frame({ qos: 0 }))
    expect(out.written).toHaveLength(4)
    s.close()
    expect(out.drops).toEqual([['publish rate: QoS 0 dropped', 2]])
  })

  it('delays QoS 1 deliveries until the window has room, in order, and drops a QoS 0 one still over it', () => {
    const { s, out, ids } = shaper({ publishRate: new RateLimiter(2), softBytes: 100_000, hardBytes: 100_000 })
    for (const id of [1, 2, 3, 4]) s.publish(frame({ qos: 1, messageId: id }))
    s.publish(frame({ qos: 0 })) // behind the waiting QoS 1 deliveries
    expect(ids()).toEqual([1, 2])
    vi.advanceTimersByTime(999)
    expect(ids()).toEqual([1, 2])
    vi.advanceTimersByTime(1)
    expect(ids()).toEqual([1, 2, 3, 4]) // the window is full again when the QoS 0 one's turn comes
    s.close()
    expect(out.drops).toEqual([['publish rate: QoS 0 dropped', 1]])
  })

  it('shares the window with the client\'s own publishes (inbound and outbound together)', () => {
    const rate = new RateLimiter(2)
    const { s, out } = shaper({ publishRate: rate })
    expect(rate.tryTake()).toBe(true) // the client published once
    s.publish(frame({ qos: 0 }))
    s.publish(frame({ qos: 0 }))
    expect(out.written).toHaveLength(1)
    expect(rate.tryTake()).toBe(false) // and its next publish finds the window full
  })
})

describe('OutboundShaper byte budget [LIM-THROUGHPUT-512KIB]', () => {
  it('sends a quarter second of bytes at once, delays the rest in order, and drops nothing', () => {
    const { s, out } = shaper({ throughputBytesPerSecond: 1000, softBytes: 100_000, hardBytes: 100_000 }) // bucket 250
    for (let i = 0; i < 6; i++) s.publish(frameOfLength(100))
    expect(out.written).toHaveLength(3) // 300 bytes: the third leaves a 50-byte debt
    vi.advanceTimersByTime(49)
    expect(out.written).toHaveLength(3)
    vi.advanceTimersByTime(1) // debt paid: the fourth goes, leaving 100 bytes of debt
    expect(out.written).toHaveLength(4)
    vi.advanceTimersByTime(100)
    expect(out.written).toHaveLength(5)
    vi.advanceTimersByTime(100)
    expect(out.written).toHaveLength(6)
    expect(out.drops).toEqual([])
  })

  it('sends every waiting frame the budget allows when its timer fires late', () => {
    const { s, out } = shaper({ throughputBytesPerSecond: 1000, softBytes: 100_000, hardBytes: 100_000 })
    for (let i = 0; i < 3; i++) s.publish(frameOfLength(100)) // 50 bytes of debt
    s.publish(frameOfLength(50))
    s.publish(frameOfLength(50))
    expect(out.written).toHaveLength(3)
    vi.setSystemTime(Date.now() + 1000) // the event loop was busy for a second
    vi.advanceTimersByTime(50)
    expect(out.written).toHaveLength(5)
  })

  it('counts frames waiting for the budget towards the slow-consumer limit, and stops on close', () => {
    const { s, out } = shaper({ throughputBytesPerSecond: 1000, softBytes: 100_000, hardBytes: 300 })
    for (let i = 0; i < 3; i++) s.publish(frameOfLength(100)) // written; budget in debt
    s.publish(frameOfLength(100, { qos: 1, messageId: 1 }))
    s.publish(frameOfLength(100, { qos: 1, messageId: 2 }))
    s.publish(frameOfLength(100, { qos: 1, messageId: 3 })) // 300 bytes paced: at the limit
    expect(out.slow).toBe(0)
    s.publish(frameOfLength(10, { qos: 1, messageId: 4 }))
    expect(out.slow).toBe(1)
    s.close()
    vi.advanceTimersByTime(10_000)
    expect(out.written).toHaveLength(3)
    s.publish(frame({ qos: 0 }))
    expect(out.written).toHaveLength(3)
  })
})

describe('OutboundShaper slow consumers: the soft and hard limits and the stall rule', () => {
  it('says why and by how much when it cuts a client off over the hard limit', () => {
    const { s, out } = shaper({ softBytes: 10_000, hardBytes: 5000 })
    out.buffered = 5001
    s.publish(frame({ qos: 1, messageId: 1 }))
    expect(out.why).toEqual([{ rule: 'hard-bytes', backlogBytes: 5001 }])
  })

  it('cuts off a client over the soft limit that takes no byte and acknowledges nothing for stallMs', () => {
    const { s, out } = shaper({ softBytes: 1000, hardBytes: 100_000, stallMs: 500, bytesTaken: () => 0 })
    out.buffered = 1001
    s.publish(frame({ qos: 1, messageId: 1 })) // written: the watch starts
    vi.advanceTimersByTime(499)
    expect(out.slow).toBe(0)
    vi.advanceTimersByTime(1)
    expect(out.why).toEqual([{ rule: 'stalled', backlogBytes: 1001, stalledMs: 500 }])
  })

  it('does not start the watch at exactly the soft limit, nor without a stall time', () => {
    const at = shaper({ softBytes: 1000, hardBytes: 100_000, stallMs: 500 })
    at.out.buffered = 1000
    at.s.publish(frame({ qos: 1, messageId: 1 }))
    vi.advanceTimersByTime(10_000)
    expect(at.out.slow).toBe(0)
    const never = shaper({ softBytes: 1000, hardBytes: 100_000 })
    never.out.buffered = 1001
    never.s.publish(frame({ qos: 1, messageId: 1 }))
    vi.advanceTimersByTime(10_000)
    expect(never.out.slow).toBe(0)
  })

  it('counts bytes the client takes and PUBACKs it sends as progress, and only those', () => {
    let taken = 0
    const { s, out } = shaper({ softBytes: 1000, hardBytes: 100_000, stallMs: 500, bytesTaken: () => taken })
    out.buffered = 1001
    s.publish(frame({ qos: 1, messageId: 1 }))
    s.publish(frame({ qos: 1, messageId: 2 }))
    vi.advanceTimersByTime(400)
    taken = 1 // took one byte in the first window
    vi.advanceTimersByTime(100)
    expect(out.slow).toBe(0)
    vi.advanceTimersByTime(400)
    s.acked(1) // acknowledged one message in the second window
    vi.advanceTimersByTime(100)
    expect(out.slow).toBe(0)
    s.acked(99) // a PUBACK for an id not in flight is progress too
    vi.advanceTimersByTime(500)
    expect(out.slow).toBe(0)
    vi.advanceTimersByTime(500) // a whole window without either
    expect(out.why).toEqual([{ rule: 'stalled', backlogBytes: 1001, stalledMs: 500 }])
  })

  it('counts a byte taken and a PUBACK in the same window as two steps of progress, not as none', () => {
    let taken = 0
    const { s, out } = shaper({ softBytes: 1000, hardBytes: 100_000, stallMs: 500, bytesTaken: () => taken })
    out.buffered = 1001
    s.publish(frame({ qos: 1, messageId: 1 }))
    vi.advanceTimersByTime(400)
    taken = 1
    s.acked(1)
    vi.advanceTimersByTime(100)
    expect(out.slow).toBe(0)
  })

  it('ends the watch once the backlog is back at the soft limit', () => {
    const { s, out } = shaper({ softBytes: 1000, hardBytes: 100_000, stallMs: 500 })
    out.buffered = 1001
    s.publish(frame({ qos: 1, messageId: 1 }))
    out.buffered = 1000
    vi.advanceTimersByTime(10_000)
    expect(out.slow).toBe(0)
  })

  it('starts the watch when it drops a QoS 0 delivery, and on the gate\'s own QoS 0 drops', () => {
    for (const how of ['publish', 'dropQos0'] as const) {
      const { s, out } = shaper({ softBytes: 1000, hardBytes: 100_000, stallMs: 500 })
      out.buffered = 1001
      if (how === 'publish') s.publish(frame({ qos: 0 }))
      else expect(s.dropQos0()).toBe(true)
      expect(out.written, how).toEqual([])
      vi.advanceTimersByTime(500)
      expect(out.why, how).toEqual([{ rule: 'stalled', backlogBytes: 1001, stalledMs: 500 }])
      s.close()
      expect(out.drops, how).toEqual([['slow consumer: QoS 0 dropped', 1]])
    }
  })

  it('never reports a slow consumer once closed', () => {
    const { s, out } = shaper({ softBytes: 1000, hardBytes: 100_000, stallMs: 500 })
    out.buffered = 1001
    s.publish(frame({ qos: 1, messageId: 1 })) // watch running
    s.close()
    vi.advanceTimersByTime(1000)
    s.dropQos0() // a drop after close starts no watch that reports
    vi.advanceTimersByTime(1000)
    expect(out.slow).toBe(0)
  })

  it('tells the gate to drop live QoS 0 deliveries only over the soft limit, counting what it holds, and never for stored messages', () => {
    const { s, out } = shaper({ softBytes: 1000, hardBytes: 100_000, inflightMaximum: 1 })
    out.buffered = 1000
    expect(s.overSoftLimit()).toBe(false)
    out.buffered = 1001
    expect(s.overSoftLimit()).toBe(true)
    out.buffered = 990
    s.publish(frame({ qos: 1, messageId: 1 }))
    s.publish(frameOfLength(10, { qos: 1, messageId: 2 })) // held for the in-flight slot: 1000
    expect(s.overSoftLimit()).toBe(false)
    out.buffered = 991
    expect(s.overSoftLimit()).toBe(true)
    s.startReplay() // unpaced stored messages
    expect(s.overSoftLimit()).toBe(false)
    s.endReplayPhase()
    const paced = shaper({ softBytes: 1000, hardBytes: 100_000, replayRatePerSecond: 10 })
    paced.out.buffered = 5000
    paced.s.startReplay()
    expect(paced.s.overSoftLimit()).toBe(false)
    paced.s.endReplayPhase()
    expect(paced.s.overSoftLimit()).toBe(true)
    out.buffered = 5000
    expect(s.overSoftLimit()).toBe(true)
    s.close()
    expect(s.overSoftLimit()).toBe(false)
  })

  it('counts frames delayed for the publish rate towards the limits', () => {
    const { s, out } = shaper({ publishRate: new RateLimiter(1), softBytes: 100_000, hardBytes: 250 })
    s.publish(frameOfLength(100, { qos: 1, messageId: 1 })) // written
    s.publish(frameOfLength(100, { qos: 1, messageId: 2 }))
    s.publish(frameOfLength(150, { qos: 1, messageId: 3 })) // 250 bytes delayed: at the limit
    expect(out.slow).toBe(0)
    s.publish(frame({ qos: 1, messageId: 4, payload: 1 }))
    expect(out.why).toEqual([{ rule: 'hard-bytes', backlogBytes: 250 + frame({ qos: 1, messageId: 4, payload: 1 }).length }])
  })
})

describe('OutboundShaper split frames (a payload shared with other subscribers)', () => {
  it('writes a split frame as it is, measured by its whole length', () => {
    const whole = frame({ qos: 1, messageId: 1, payload: 2000 })
    const written: unknown[] = []
    const { s, out } = shaper({ clientMaximumPacketSize: whole.length, write: (f) => written.push(f) })
    const piece = split(whole, 2000)
    s.publish(piece)
    expect(written[0]).toBe(piece)
    s.publish(split(frame({ qos: 1, messageId: 2, payload: 2001 }), 2001))
    expect(out.pubacks).toEqual([2])
    expect(written).toHaveLength(1)
  })

  it('holds, paces and replays split frames with their ids and expiry', () => {
    const { s, ids, meis } = shaper({ inflightMaximum: 1, replayRatePerSecond: 10, softBytes: 100_000, hardBytes: 100_000 })
    s.startReplay()
    s.publish(split(frame({ qos: 1, messageId: 1, payload: 1500, mei: 10 }), 1500))
    s.publish(split(frame({ qos: 1, messageId: 2, payload: 1500, mei: 10 }), 1500))
    vi.advanceTimersByTime(1000)
    expect(ids()).toEqual([1])
    s.acked(1)
    vi.advanceTimersByTime(0)
    expect(ids()).toEqual([1, 2])
    expect(meis()).toEqual([10, 9])
    s.endReplayPhase()
    s.publish(split(frame({ qos: 1, messageId: 3, payload: 1500 }), 1500)) // held
    s.publish(split(frame({ qos: 0, payload: 1500 }), 1500))
    expect(ids()).toEqual([1, 2, undefined])
    s.acked(2)
    expect(ids()).toEqual([1, 2, undefined, 3])
  })

  it('rewrites the expiry of a split stored frame sent unpaced', () => {
    const { s, meis } = shaper()
    s.startReplay()
    s.noteExpiry(1, Date.now() + 1500)
    s.publish(split(frame({ qos: 1, messageId: 1, payload: 1500, mei: 2 }), 1500))
    expect(meis()).toEqual([1])
  })
})

describe('OutboundShaper expiry of stored messages, more edges [MEI-REMAINING] [MEI-ZERO-ROUNDING]', () => {
  it('rounds what is left down to whole seconds: 1999 ms and 1000 ms are 1, 2000 ms is 2', () => {
    const { s, meis } = shaper()
    s.startReplay()
    for (const [id, left] of [[1, 1999], [2, 1000], [3, 2000], [4, 1500]] as const) {
      s.noteExpiry(id, Date.now() + left)
      s.publish(frame({ qos: 1, messageId: id, mei: 2 }))
    }
    expect(meis()).toEqual([1, 1, 2, 1])
  })

  it('without a noted expiry, counts from when the message was queued', () => {
    const { s, meis } = shaper({ replayRatePerSecond: 1 })
    s.startReplay()
    vi.advanceTimersByTime(700)
    s.publish(frame({ qos: 1, messageId: 1, mei: 5 })) // queued at 700, sent at once: 5 s left
    s.publish(frame({ qos: 1, messageId: 2, mei: 5 })) // sent 1 s later: 4 s left
    vi.advanceTimersByTime(1)
    s.publish(frame({ qos: 1, messageId: 3, mei: 2 })) // queued at 701, sent at 2700: 1 ms left, 0 s
    vi.advanceTimersByTime(1998)
    expect(meis()).toEqual([5, 4])
    vi.advanceTimersByTime(1)
    expect(meis()).toEqual([5, 4, 0])
  })

  it('uses the profile\'s rounding when given one', () => {
    const { s, meis } = shaper({ remainingSeconds: (leftMs) => Math.ceil(leftMs / 1000) })
    s.startReplay()
    s.noteExpiry(1, Date.now() + 999)
    s.publish(frame({ qos: 1, messageId: 1, mei: 1 }))
    expect(meis()).toEqual([1])
  })

  it('forgets a noted expiry when the message is acknowledged', () => {
    const { s, meis } = shaper()
    s.noteExpiry(1, Date.now() + 500)
    s.acked(1)
    s.startReplay()
    s.publish(frame({ qos: 1, messageId: 1, mei: 30 }))
    expect(meis()).toEqual([30])
  })

  it('leaves a QoS 2 PUBLISH re-sent with DUP as it is, and rewrites a first QoS 2 or a QoS 1 with DUP [MQTT5-4.3.3-7]', () => {
    const { s, meis } = shaper()
    s.startReplay()
    for (const id of [1, 2, 3]) s.noteExpiry(id, Date.now() + 5500)
    s.publish(frame({ qos: 2, dup: true, messageId: 1, mei: 60 }))
    s.publish(frame({ qos: 2, messageId: 2, mei: 60 }))
    s.publish(frame({ qos: 1, dup: true, messageId: 3, mei: 60 }))
    expect(meis()).toEqual([60, 5, 5])
  })

  it('paces the replay from the last message sent, not from an expired one dropped', () => {
    const { s, out, ids } = shaper({ replayRatePerSecond: 2 })
    s.startReplay()
    s.publish(frame({ qos: 1, messageId: 1 }))
    s.publish(frame({ qos: 1, messageId: 2, mei: 0 })) // expired when its turn comes
    s.publish(frame({ qos: 1, messageId: 3 }))
    s.publish(frame({ qos: 1, messageId: 4 }))
    vi.advanceTimersByTime(0)
    expect(ids()).toEqual([1])
    vi.advanceTimersByTime(500)
    vi.advanceTimersByTime(1) // the next turn at once (a 0 ms timer fires after 1 ms)
    expect(ids()).toEqual([1, 3]) // the dropped one took no turn
    expect(out.pubacks).toEqual([2])
    vi.advanceTimersByTime(499)
    expect(ids()).toEqual([1, 3])
    vi.advanceTimersByTime(1)
    expect(ids()).toEqual([1, 3, 4])
  })
})

describe('OutboundShaper publish rate, more edges [LIM-PUB-RATE-100]', () => {
  it('waits as long as the window says before retrying a delayed QoS 1 delivery, and at least 1 ms', () => {
    let room = false
    let wait = 300
    const calls: number[] = []
    const { s, ids } = shaper({ publishRate: { tryTake: () => room, waitMs: () => (calls.push(Date.now()), wait) } })
    s.publish(frame({ qos: 1, messageId: 1 }))
    s.publish(frame({ qos: 1, messageId: 2 }))
    expect(calls).toEqual([1_000_000]) // one timer for the queue, not one per frame
    vi.advanceTimersByTime(299)
    expect(calls).toHaveLength(1)
    wait = 0
    vi.advanceTimersByTime(1) // retried: still no room, the window says 0 ms
    expect(calls).toEqual([1_000_000, 1_000_300])
    vi.advanceTimersByTime(0)
    expect(calls).toHaveLength(2)
    room = true
    vi.advanceTimersByTime(0)
    expect(ids()).toEqual([])
    vi.advanceTimersByTime(1)
    expect(ids()).toEqual([1, 2])
  })

  it('keeps later deliveries behind a delayed one, QoS 0 too, and counts stored messages in the window', () => {
    const rate = new RateLimiter(1)
    const { s, out, ids } = shaper({ publishRate: rate, softBytes: 100_000, hardBytes: 100_000 })
    s.startReplay()
    s.publish(frame({ qos: 1, messageId: 1 })) // stored, unpaced: takes the window
    s.endReplayPhase()
    s.publish(frame({ qos: 1, messageId: 2 })) // delayed
    vi.advanceTimersByTime(500)
    expect(rate.tryTake()).toBe(false)
    s.publish(frame({ qos: 0 })) // behind it, not dropped yet
    expect(ids()).toEqual([1])
    vi.advanceTimersByTime(500)
    expect(ids()).toEqual([1, 2]) // and the QoS 0 one finds the window full
    vi.advanceTimersByTime(5000)
    expect(out.written).toHaveLength(2)
    s.close()
    expect(out.drops).toEqual([['publish rate: QoS 0 dropped', 1]])
  })

  it('applies the byte budget to deliveries the publish rate let through late', () => {
    const { s, out } = shaper({ publishRate: new RateLimiter(1), throughputBytesPerSecond: 1000, softBytes: 100_000, hardBytes: 100_000 })
    s.publish(frameOfLength(400, { qos: 1, messageId: 1 })) // 150 bytes of debt: 150 ms
    s.publish(frameOfLength(400, { qos: 1, messageId: 2 }))
    s.publish(frameOfLength(400, { qos: 1, messageId: 3 }))
    expect(out.written).toHaveLength(1)
    vi.advanceTimersByTime(1000)
    expect(out.written).toHaveLength(2) // the rate's second; now 400 ms of debt
    vi.advanceTimersByTime(1000)
    expect(out.written).toHaveLength(3)
  })

  it('paces for the byte budget alone when the connection has no publish window', () => {
    const { s, out } = shaper({ publishRate: undefined, throughputBytesPerSecond: 1000, softBytes: 100_000, hardBytes: 100_000 })
    for (let i = 0; i < 5; i++) s.publish(frameOfLength(100, { qos: 1, messageId: i + 1 }))
    expect(out.written).toHaveLength(3)
    vi.advanceTimersByTime(50)
    expect(out.written).toHaveLength(4)
    vi.advanceTimersByTime(100)
    expect(out.written).toHaveLength(5)
  })

  it('sends without any window when the connection has none', () => {
    const { s, out } = shaper({ publishRate: undefined })
    for (let i = 0; i < 200; i++) s.publish(frame({ qos: 0 }))
    expect(out.written).toHaveLength(200)
  })
})

describe('OutboundShaper close', () => {
  it('leaves no timer behind: replay, pacing, stall watch and drop summary all stop', () => {
    const replaying = shaper({ replayRatePerSecond: 1 })
    replaying.s.startReplay()
    replaying.s.publish(frame({ qos: 1, messageId: 1 }))
    replaying.s.publish(frame({ qos: 1, messageId: 2 }))
    vi.advanceTimersByTime(1) // the first sent, the next one's turn is a second away
    expect(vi.getTimerCount()).toBe(1)
    replaying.s.close()
    expect(vi.getTimerCount()).toBe(0)

    const paced = shaper({ publishRate: new RateLimiter(1), softBytes: 1000, hardBytes: 100_000, stallMs: 500 })
    paced.s.publish(frame({ qos: 1, messageId: 1 }))
    paced.s.publish(frame({ qos: 1, messageId: 2 })) // waits for the window
    paced.s.publish(frame({ qos: 0 })) // behind it
    paced.out.buffered = 1001
    paced.s.dropQos0() // a drop summary due and a stall watch running
    expect(vi.getTimerCount()).toBe(3)
    paced.s.close()
    expect(vi.getTimerCount()).toBe(0)
    expect(paced.out.written).toHaveLength(1)
  })
})
