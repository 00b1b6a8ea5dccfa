import { afterEach, describe, expect, it, vi } from 'vitest'
import fc from 'fast-check'
import { RateLimiter } from '../rate-limiter.js'

afterEach(() => { vi.useRealTimers() })

describe('RateLimiter [LIM-PUB-RATE-100]', () => {
  it('never admits more than the rate in any 1-second window, whatever the arrival pattern', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 300 }), (rate, gaps) => {
      vi.useFakeTimers({ now: 1_000_000 })
      const limiter = new RateLimiter(rate)
      const admitted: number[] = []
      for (const gap of gaps) {
        vi.advanceTimersByTime(gap)
        if (limiter.tryTake()) admitted.push(Date.now())
      }
      for (let i = 0; i + rate < admitted.length; i++) expect(admitted[i + rate]! - admitted[i]!).toBeGreaterThanOrEqual(1000)
      vi.useRealTimers()
    }))
  })

  it('admits exactly the rate in a burst, then again one second later', () => {
    vi.useFakeTimers({ now: 5_000 })
    const limiter = new RateLimiter(100)
    let n = 0
    for (let i = 0; i < 150; i++) if (limiter.tryTake()) n++
    expect(n).toBe(100)
    vi.advanceTimersByTime(999)
    expect(limiter.available()).toBe(false)
    vi.advanceTimersByTime(1)
    expect(limiter.tryTake()).toBe(true)
  })

  it('says how long until the window has room: 0 when it has, until the oldest event is a second old when full', () => {
    vi.useFakeTimers({ now: 5_000 })
    const limiter = new RateLimiter(2)
    expect(limiter.waitMs()).toBe(0)
    limiter.tryTake()
    vi.advanceTimersByTime(300)
    limiter.tryTake()
    expect(limiter.waitMs()).toBe(700)
    vi.advanceTimersByTime(700)
    expect(limiter.waitMs()).toBe(0)
    expect(limiter.tryTake()).toBe(true)
    expect(limiter.waitMs()).toBe(300)
    expect(new RateLimiter(0).waitMs()).toBe(0)
  })

  it('counts forced events against the same window; 0 means unlimited', () => {
    vi.useFakeTimers({ now: 5_000 })
    const limiter = new RateLimiter(2)
    limiter.forceTake()
    limiter.forceTake()
    expect(limiter.tryTake()).toBe(false)
    const unlimited = new RateLimiter(0)
    for (let i = 0; i < 1000; i++) expect(unlimited.tryTake()).toBe(true)
    unlimited.forceTake()
    expect(unlimited.available()).toBe(true)
  })
})
