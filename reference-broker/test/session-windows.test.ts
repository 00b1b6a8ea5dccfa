/**
 * The per-connection bookkeeping of a session's flows, on its own: the window of a
 * client's unfinished QoS 1/2 PUBLISHes that Receive Maximum bounds [QOS1-INFLIGHT-100]
 * [MQTT-3.3.4-9] and the acknowledgement frames read from the wire (inbound-window.ts),
 * the queue the outbound shaper holds frames in (fifo.ts), the drop summaries
 * (drop-tally.ts) and the slow-reader stall rule (stall-watch.ts), each at the edge of
 * its rule. Timers are fake. Written for the mutation test of the session and expiry
 * code (docs/mutation.md); the outbound shaper's tests reach these modules through it.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ackOf, InboundWindow } from '../inbound-window.js'
import { Fifo, FrameFifo } from '../fifo.js'
import { DropTally } from '../drop-tally.js'
import { StallWatch, type Stall } from '../stall-watch.js'

describe('InboundWindow [QOS1-INFLIGHT-100]', () => {
  it('counts open exchanges once per packet id; a QoS 1 one ends with its PUBACK', () => {
    const w = new InboundWindow()
    expect([w.size, w.unanswered]).toEqual([0, 0])
    w.opened(1)
    w.opened(2)
    w.opened(1) // a resent id still open is not counted twice
    expect([w.size, w.unanswered, w.has(1), w.has(2), w.has(3)]).toEqual([2, 2, true, true, false])
    w.closed(1)
    expect([w.size, w.unanswered, w.has(1)]).toEqual([1, 1, false])
    w.closed(1) // not open any more: nothing changes
    w.closed(7)
    expect([w.size, w.unanswered]).toEqual([1, 1])
  })

  it('a QoS 2 exchange is answered by its PUBREC and stays open until its PUBCOMP', () => {
    const w = new InboundWindow()
    w.opened(5)
    w.answered(5)
    expect([w.size, w.unanswered, w.has(5)]).toEqual([1, 0, true])
    w.answered(5) // answered twice: counted once
    w.answered(6) // never opened
    expect([w.size, w.unanswered]).toEqual([1, 0])
    w.opened(5) // a resent PUBLISH of an answered exchange
    expect([w.size, w.unanswered]).toEqual([1, 0])
    w.closed(5) // PUBCOMP: the answered exchange is not subtracted again
    expect([w.size, w.unanswered]).toEqual([0, 0])
  })

  it('whenAnswered runs at once with nothing waiting, otherwise once every open PUBLISH had its first answer', () => {
    const w = new InboundWindow()
    const calls: string[] = []
    w.whenAnswered(() => calls.push('now'))
    expect(calls).toEqual(['now'])
    w.opened(1)
    w.opened(2)
    w.whenAnswered(() => calls.push('a'))
    w.whenAnswered(() => calls.push('b'))
    w.answered(1)
    expect(calls).toEqual(['now'])
    w.closed(1) // closing an answered exchange while another still waits wakes nobody
    expect(calls).toEqual(['now'])
    w.closed(2)
    expect(calls).toEqual(['now', 'a', 'b'])
    w.opened(3)
    w.answered(3)
    expect(calls).toEqual(['now', 'a', 'b']) // each waiter ran once
  })

  it('a PUBREC answering the last open PUBLISH wakes the waiters', () => {
    const w = new InboundWindow()
    const calls: number[] = []
    w.opened(1)
    w.whenAnswered(() => calls.push(1))
    w.answered(1)
    expect(calls).toEqual([1])
  })
})

describe('ackOf: packet id and reason code of a PUBACK, PUBREC or PUBCOMP', () => {
  it('reads the short form (reason 0 implied) and the long form', () => {
    expect(ackOf(Buffer.from([0x40, 0x02, 0x12, 0x34]))).toEqual({ messageId: 0x1234, reasonCode: 0 })
    expect(ackOf(Buffer.from([0x50, 0x03, 0x00, 0x07, 0x80]))).toEqual({ messageId: 7, reasonCode: 0x80 })
  })

  it('reads past a multi-byte Remaining Length', () => {
    // Remaining Length 130 (0x82 0x01): id, reason code and properties.
    const body = Buffer.alloc(130)
    body.writeUInt16BE(0xbeef, 0)
    body[2] = 0x10
    expect(ackOf(Buffer.concat([Buffer.from([0x40, 0x82, 0x01]), body]))).toEqual({ messageId: 0xbeef, reasonCode: 0x10 })
    // Remaining Length 2 written in two bytes (0x82 0x00): still no reason code.
    expect(ackOf(Buffer.from([0x70, 0x82, 0x00, 0x00, 0x09]))).toEqual({ messageId: 9, reasonCode: 0 })
  })

  it('reads the reason code of a large acknowledgement (a PUBREC refusing with a long Reason String)', () => {
    // Remaining Length 8195 = 3 + 64 * 128: the second length byte's value is 64, whose bits
    // would reach the sign bit if its place value were taken wrongly.
    const length = 8195
    const body = Buffer.alloc(length)
    body.writeUInt16BE(42, 0)
    body[2] = 0x97
    expect(ackOf(Buffer.concat([Buffer.from([0x50, 0x80 | (length & 0x7f), length >> 7]), body]))).toEqual({ messageId: 42, reasonCode: 0x97 })
  })
})

describe('Fifo / FrameFifo', () => {
  it('gives items back in order, peek leaves them, empty gives undefined', () => {
    const q = new Fifo<number>()
    expect([q.length, q.peek(), q.shift()]).toEqual([0, undefined, undefined])
    q.push(1)
    q.push(2)
    expect([q.length, q.peek(), q.length]).toEqual([2, 1, 2])
    expect(q.shift()).toBe(1)
    expect([q.length, q.peek()]).toEqual([1, 2])
    q.push(3)
    expect([q.shift(), q.shift(), q.shift(), q.length, q.peek()]).toEqual([2, 3, undefined, 0, undefined])
    // Drained: the queue lets go of its array rather than keep a run of empty slots.
    expect((q as unknown as { items: unknown[] }).items.length).toBe(0)
    q.push(4)
    q.clear()
    expect([q.length, q.peek(), q.shift()]).toEqual([0, undefined, undefined])
  })

  it('keeps order and length across the compaction of a long queue', () => {
    const q = new Fifo<number>()
    const N = 5000
    for (let i = 0; i < N; i++) q.push(i)
    const got: number[] = []
    for (let i = 0; i < 3000; i++) got.push(q.shift()!)
    for (let i = N; i < N + 100; i++) q.push(i)
    expect(q.length).toBe(N + 100 - 3000)
    expect(q.peek()).toBe(3000)
    while (q.length > 0) got.push(q.shift()!)
    expect(got).toEqual(Array.from({ length: N + 100 }, (_, i) => i))
    expect(q.peek()).toBeUndefined()
  })

  it('compacts the consumed front once it is half the array and at least 1024 items (memory stays bounded)', () => {
    const q = new Fifo<number>()
    const backing = () => (q as unknown as { items: unknown[] }).items.length
    for (let i = 0; i < 2048; i++) q.push(i)
    for (let i = 0; i < 1023; i++) q.shift()
    expect(backing()).toBe(2048) // 1023 consumed: not yet
    q.shift()
    expect(backing()).toBe(1024) // 1024 consumed, half of 2048: dropped
    expect(q.peek()).toBe(1024)
    const small = new Fifo<number>()
    for (let i = 0; i < 1500; i++) small.push(i)
    for (let i = 0; i < 1024; i++) small.shift()
    expect((small as unknown as { items: unknown[] }).items.length).toBe(476)
    const big = new Fifo<number>()
    for (let i = 0; i < 4000; i++) big.push(i)
    for (let i = 0; i < 1999; i++) big.shift()
    expect((big as unknown as { items: unknown[] }).items.length).toBe(4000) // under half: kept
    big.shift()
    expect((big as unknown as { items: unknown[] }).items.length).toBe(2000)
  })

  it('FrameFifo counts the bytes it holds', () => {
    const q = new FrameFifo()
    q.push(Buffer.alloc(10))
    q.push(Buffer.alloc(5))
    expect(q.bytes).toBe(15)
    expect(q.shift()!.length).toBe(10)
    expect(q.bytes).toBe(5)
    q.shift()
    expect(q.shift()).toBeUndefined()
    expect(q.bytes).toBe(0)
    q.push(Buffer.alloc(7))
    q.clear()
    expect([q.bytes, q.length]).toEqual([0, 0])
  })
})

describe('DropTally', () => {
  beforeEach(() => { vi.useFakeTimers({ now: 0 }) })
  afterEach(() => { vi.useRealTimers() })

  it('one summary per reason at the end of the interval opened by the first drop', () => {
    const seen: [string, number][] = []
    const t = new DropTally(1000, (reason, count) => seen.push([reason, count]))
    t.add('a')
    vi.advanceTimersByTime(400)
    t.add('a')
    t.add('b')
    expect(vi.getTimerCount()).toBe(1) // one timer per interval, not one per drop
    vi.advanceTimersByTime(599)
    expect(seen).toEqual([])
    vi.advanceTimersByTime(1)
    expect(seen).toEqual([['a', 2], ['b', 1]])
    vi.advanceTimersByTime(5000)
    expect(seen).toHaveLength(2) // nothing counted: nothing written
    t.add('a') // a new interval
    vi.advanceTimersByTime(1000)
    expect(seen).toEqual([['a', 2], ['b', 1], ['a', 1]])
  })

  it('flush writes what is counted now and ends the interval', () => {
    const seen: [string, number][] = []
    const t = new DropTally(1000, (reason, count) => seen.push([reason, count]))
    t.add('a')
    vi.advanceTimersByTime(500)
    t.flush()
    expect(seen).toEqual([['a', 1]])
    t.add('a')
    vi.advanceTimersByTime(999) // a fresh interval from this drop, not the old timer's
    expect(seen).toEqual([['a', 1]])
    vi.advanceTimersByTime(1)
    expect(seen).toEqual([['a', 1], ['a', 1]])
    expect(vi.getTimerCount()).toBe(0)
  })
})

describe('StallWatch (slow-reader rule)', () => {
  beforeEach(() => { vi.useFakeTimers({ now: 0 }) })
  afterEach(() => { vi.useRealTimers() })

  function watch(opts: { softBytes?: number; stallMs?: number } = {}) {
    const state = { backlog: 0, progress: 0 }
    const stalls: Stall[] = []
    const w = new StallWatch({ softBytes: opts.softBytes ?? 100, stallMs: opts.stallMs ?? 1000, backlog: () => state.backlog, progress: () => state.progress, onStalled: (s) => stalls.push(s) })
    return { w, state, stalls }
  }

  it('cuts off a reader over the soft limit with no progress for stallMs, reporting backlog and time', () => {
    const { w, state, stalls } = watch()
    state.backlog = 101
    w.check()
    vi.advanceTimersByTime(999)
    expect(stalls).toEqual([])
    vi.advanceTimersByTime(1)
    expect(stalls).toEqual([{ backlogBytes: 101, stalledMs: 1000 }])
  })

  it('a timer that fires early by the wall clock waits out the rest: never cut off before a full stallMs', () => {
    const { w, state, stalls } = watch()
    state.backlog = 101
    w.check()
    vi.setSystemTime(-1) // the wall clock 1 ms behind the timer clock, as libuv's cached loop time allows
    vi.advanceTimersByTime(1000)
    expect(stalls).toEqual([]) // fired at wall 999
    expect(vi.getTimerCount()).toBe(1)
    vi.advanceTimersByTime(1)
    expect(stalls).toEqual([{ backlogBytes: 101, stalledMs: 1000 }])
  })

  it('does not start at the soft limit, or with stallMs 0 (never)', () => {
    const a = watch()
    a.state.backlog = 100
    a.w.check()
    expect(vi.getTimerCount()).toBe(0)
    const b = watch({ stallMs: 0 })
    b.state.backlog = 10_000
    b.w.check()
    expect(vi.getTimerCount()).toBe(0)
    vi.advanceTimersByTime(10_000)
    expect([...a.stalls, ...b.stalls]).toEqual([])
  })

  it('a backlog back at the soft limit ends the watch; a later check starts a new one', () => {
    const { w, state, stalls } = watch()
    state.backlog = 500
    w.check()
    vi.advanceTimersByTime(500)
    state.backlog = 100
    vi.advanceTimersByTime(500)
    expect(vi.getTimerCount()).toBe(0)
    expect(stalls).toEqual([])
    vi.advanceTimersByTime(2000)
    state.backlog = 200
    w.check()
    vi.advanceTimersByTime(1000)
    expect(stalls).toEqual([{ backlogBytes: 200, stalledMs: 1000 }])
  })

  it('a slow reader that makes progress is watched again from then, and only one timer runs', () => {
    const { w, state, stalls } = watch()
    state.backlog = 500
    w.check()
    vi.advanceTimersByTime(600)
    w.check() // already watching: no second timer
    expect(vi.getTimerCount()).toBe(1)
    state.progress++
    vi.advanceTimersByTime(400) // first window ends: progress seen, watch again from t=1000
    expect(stalls).toEqual([])
    vi.advanceTimersByTime(600)
    state.progress++ // progress inside the second window
    vi.advanceTimersByTime(400)
    expect(stalls).toEqual([])
    vi.advanceTimersByTime(999)
    expect(stalls).toEqual([])
    vi.advanceTimersByTime(1)
    // No progress in the third window (t=2000..3000): cut off, stalled since it began.
    expect(stalls).toEqual([{ backlogBytes: 500, stalledMs: 1000 }])
  })

  it('close stops the watch, and a closed watch can start again', () => {
    const { w, state, stalls } = watch()
    state.backlog = 500
    w.check()
    w.close()
    vi.advanceTimersByTime(5000)
    expect(stalls).toEqual([])
    w.close()
    w.check()
    vi.advanceTimersByTime(1000)
    expect(stalls).toHaveLength(1)
  })

  it('its timer does not keep the process alive', () => {
    const { w, state } = watch()
    state.backlog = 500
    const unref = vi.spyOn(globalThis, 'setTimeout')
    w.check()
    const timer = unref.mock.results[0]!.value as NodeJS.Timeout
    expect(timer.hasRef()).toBe(false)
    w.close()
  })
})
