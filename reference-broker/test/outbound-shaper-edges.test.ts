/**
 * The outbound shaper's edges, on fake timers: the slow-consumer soft and hard
 * limits and the stall rule, split frames, the expiry of stored messages
 * [MEI-REMAINING] [MEI-ZERO-ROUNDING], the publish rate [LIM-PUB-RATE-100], and
 * close. The main limits are in outbound-shaper.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { RateLimiter } from '../rate-limiter.js'
import { frame, frameOfLength, split, shaper } from './shaper-fixtures.js'

beforeEach(() => { vi.useFakeTimers({ now: 1_000_000 }) })
afterEach(() => { vi.useRealTimers() })

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
