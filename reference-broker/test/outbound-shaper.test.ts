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
import { RateLimiter } from '../rate-limiter.js'
import { frame, frameOfLength, shaper } from './shaper-fixtures.js'

beforeEach(() => { vi.useFakeTimers({ now: 1_000_000 }) })
afterEach(() => { vi.useRealTimers() })

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
