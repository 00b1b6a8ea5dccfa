/**
 * The per-connection byte budget [LIM-THROUGHPUT-512KIB] on a clock the test
 * drives: the bucket's size (a quarter second's worth), the debt and its wait,
 * the refill cap, and the bound on any 1-second window.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { ByteBudget } from '../byte-budget.js'

/** A clock the test moves, counting how often it is read. */
function manualClock(start = 1_000_000) {
  const c = { now: start, reads: 0, read: () => { c.reads++; return c.now } }
  return c
}

describe('ByteBudget [LIM-THROUGHPUT-512KIB]', () => {
  it('lets a quarter second of bytes through at once, and the first byte more leaves a debt', () => {
    const clock = manualClock()
    const b = new ByteBudget(1000, clock.read) // 1 byte per ms; bucket 250, step 62
    expect(b.take(250)).toBe(true) // exactly the bucket: no debt
    expect(b.waitMs()).toBe(0)
    expect(b.take(1)).toBe(false)
    expect(b.waitMs()).toBe(1)
    clock.now += 1
    expect(b.waitMs()).toBe(0)
  })

  it('says how long the debt takes to pay at the rate, rounded up to a millisecond', () => {
    const clock = manualClock()
    const b = new ByteBudget(1000, clock.read)
    expect(b.take(260)).toBe(false)
    expect(b.waitMs()).toBe(10)
    clock.now += 9
    expect(b.waitMs()).toBe(1)
    clock.now += 1
    expect(b.waitMs()).toBe(0)
    const slow = new ByteBudget(400, clock.read) // 0.4 bytes per ms; bucket 100
    expect(slow.take(101)).toBe(false)
    expect(slow.waitMs()).toBe(3) // 1 byte at 0.4/ms is 2.5 ms
  })

  it('refills at the rate, up to the bucket and never beyond, however long the connection was idle', () => {
    const clock = manualClock()
    const b = new ByteBudget(1000, clock.read)
    expect(b.take(250)).toBe(true)
    clock.now += 100
    expect(b.take(100)).toBe(true) // 100 ms refilled 100 bytes
    expect(b.take(1)).toBe(false)
    clock.now += 60_000
    expect(b.take(250)).toBe(true)
    expect(b.take(1)).toBe(false)
    const fast = new ByteBudget(2000, clock.read) // 2 bytes per ms; bucket 500
    expect(fast.take(500)).toBe(true)
    clock.now += 100
    expect(fast.take(200)).toBe(true) // 100 ms refilled 200 bytes
    expect(fast.take(1)).toBe(false)
  })

  it('reads the clock only when the bytes may exceed the credit or a sixteenth of a second\'s worth', () => {
    const clock = manualClock()
    const b = new ByteBudget(1600, clock.read) // bucket 400, step 100
    const atStart = clock.reads
    expect(b.take(60)).toBe(true)
    expect(b.take(40)).toBe(true) // 100 pending: exactly the step, still no reading
    expect(clock.reads).toBe(atStart)
    expect(b.take(1)).toBe(true) // 101: read, credit 299 left, next reading after another 100
    expect(clock.reads).toBe(atStart + 1)
    expect(b.take(100)).toBe(true)
    expect(clock.reads).toBe(atStart + 1)
    expect(b.take(1)).toBe(true)
    expect(clock.reads).toBe(atStart + 2) // credit 198
    expect(b.take(150)).toBe(true) // more than the step: read at once
    expect(clock.reads).toBe(atStart + 3)
  })

  it('keeps a bucket of at least one byte for tiny rates', () => {
    const clock = manualClock()
    const b = new ByteBudget(2, clock.read) // a quarter second of 2 B/s rounds down to 0
    expect(b.take(1)).toBe(true)
    expect(b.take(1)).toBe(false)
    expect(b.waitMs()).toBe(500)
  })

  it('carries at most 1.25 times the rate plus one unit in any 1-second window, and the rate over the long run', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1000, max: 200_000 }),
      fc.array(fc.integer({ min: 1, max: 20_000 }), { minLength: 50, maxLength: 200 }),
      (rate, units) => {
        const clock = manualClock(0)
        const b = new ByteBudget(rate, clock.read)
        const sent: { at: number; n: number }[] = []
        for (const n of units) {
          clock.now += b.waitMs() // a sender that waits as told, and no longer
          b.take(n)
          sent.push({ at: clock.now, n })
        }
        const biggest = Math.max(...units)
        for (let i = 0; i < sent.length; i++) {
          let inWindow = 0
          for (let j = i; j < sent.length && sent[j]!.at < sent[i]!.at + 1000; j++) inWindow += sent[j]!.n
          expect(inWindow).toBeLessThanOrEqual(1.25 * rate + biggest)
        }
        // Everything sent before the last unit was paid for by then: bucket + rate x elapsed.
        const total = sent.slice(0, -1).reduce((s, u) => s + u.n, 0)
        expect(total).toBeLessThanOrEqual(Math.floor(rate / 4) + (rate * sent.at(-1)!.at) / 1000 + 1)
      },
    ))
  })
})
