import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { matchValue } from '../matching/match-value.js'
import { rateCheck, slidingWindows } from '../matching/rate-check.js'
import { selectPackets } from '../matching/select-packets.js'
import type { InboxEntry } from '../adapters/inbox.js'

describe('matchValue', () => {
  it('matches mappings as subsets and reports the first difference with its path', () => {
    const packet = { packet: 'publish', topic: 'a/b', qos: 1, properties: { userProperties: { k: 'v' }, contentType: 'text/plain' } }
    expect(matchValue({ topic: 'a/b', properties: { contentType: 'text/plain' } }, packet)).toBeNull()
    expect(matchValue({ qos: 0 }, packet)).toBe('qos: expected 0, got 1')
    expect(matchValue({ properties: { userProperties: { k: 'w' } } }, packet)).toBe('properties.userProperties.k: expected "w", got "v"')
  })

  it('compares booleans with 1/0 and lists element by element', () => {
    expect(matchValue({ retainAvailable: 1 }, { retainAvailable: true })).toBeNull()
    expect(matchValue({ retainAvailable: 0 }, { retainAvailable: true })).toMatch(/expected 0, got true/)
    expect(matchValue([1, 2], [1, 2])).toBeNull()
    expect(matchValue([1, 2], [1, 2, 3])).toMatch(/expected 2 items, got 3/)
  })

  it('applies every matcher keyword', () => {
    expect(matchValue({ match: '^DISCONNECT:' }, 'DISCONNECT:x')).toBeNull()
    expect(matchValue({ match: '^DISCONNECT:' }, 'other')).toMatch(/matching/)
    expect(matchValue({ x: { absent: true } }, {})).toBeNull()
    expect(matchValue({ x: { absent: true } }, { x: 1 })).toMatch(/expected absent/)
    expect(matchValue({ gte: 30, lte: 1200 }, 60)).toBeNull()
    expect(matchValue({ gte: 30, lte: 1200 }, 1201)).toMatch(/lte 1200/)
    expect(matchValue({ oneOf: [0x10, 0] }, 0x10)).toBeNull()
    expect(matchValue({ oneOf: [0x10, 0] }, 0x80)).toMatch(/one of/)
    expect(matchValue({ not: 0x80 }, 0x80)).toMatch(/not/)
    expect(matchValue({ every: { gte: 0x80 } }, [0x97, 0x97])).toBeNull()
    expect(matchValue({ every: { gte: 0x80 } }, [0x97, 1])).toMatch(/\[1\]: expected gte 128, got 1/)
    expect(matchValue({ contains: 'b' }, ['a', 'b'])).toBeNull()
    expect(matchValue({ contains: 'c' }, ['a', 'b'])).toMatch(/containing/)
    expect(matchValue({ json: { t: 21.5 } }, '{"t":21.5,"u":"C"}')).toBeNull()
    expect(matchValue({ json: { t: 21.5 } }, 'nope')).toMatch(/JSON/)
    expect(matchValue({ length: 3 }, [1, 2, 3])).toBeNull()
    expect(matchValue({ length: 3 }, 'ab')).toMatch(/length 3, got 2/)
  })
})

describe('rateCheck: the verdict', () => {
  const limit = { max: 10, per: 1000, tolerance: 1 }

  it('counts arrivals in the half-open window starting at each arrival', () => {
    // [100, 1100) holds five; the window is half-open, so 0 and 1000 are never together.
    expect(slidingWindows([0, 100, 200, 999, 1000, 1001], 1000).map((w) => w.count)).toEqual([4, 5, 4, 3, 2, 1])
    expect(slidingWindows([1000, 0, 999], 1000)).toEqual([{ start: 0, count: 2 }, { start: 999, count: 2 }, { start: 1000, count: 1 }])
    expect(slidingWindows([], 1000)).toEqual([])
  })

  it('accepts arrivals spaced at the limit and finds the worst window of a burst', () => {
    expect(rateCheck(Array.from({ length: 50 }, (_, i) => i * 100), limit).passed).toBe(true)
    const burst = [0, 100, ...Array.from({ length: 12 }, (_, i) => 500 + i)]
    expect(rateCheck(burst, limit)).toMatchObject({ passed: false, peak: { start: 0, count: 14 } })
    expect(rateCheck(burst, { max: 0, per: 1000, tolerance: 0 }).passed).toBe(true)
  })

  it('never flags arrivals at most max per window, flags max + tolerance + 1 inside one window', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 3 }), fc.array(fc.integer({ min: 0, max: 500 }), { maxLength: 60 }),
      (max, tolerance, extraGaps) => {
        const per = 1000
        // Gaps of at least per/max keep every window at max arrivals or fewer.
        let t = 0
        const times = extraGaps.map((extra) => (t += per / max + 0.01 + extra))
        expect(rateCheck(times, { max, per, tolerance }).passed).toBe(true)
        const burst = Array.from({ length: max + tolerance + 1 }, (_, i) => 5000 + (i * (per - 1)) / (max + tolerance + 1))
        const over = rateCheck([...times, ...burst], { max, per, tolerance })
        expect(over.passed).toBe(false)
        expect(over.peak.count).toBeGreaterThan(max + tolerance)
      },
    ))
  })
})

describe('rateCheck: the check as report data', () => {
  it('carries the limit and the fullest window, passing or not', () => {
    expect(rateCheck([0, 100, 200, 1500], { max: 10, per: 1000, tolerance: 1 })).toEqual({
      max: 10, perMs: 1000, tolerance: 1, peak: { start: 0, count: 3 }, passed: true,
      windows: [{ start: 0, count: 3 }, { start: 100, count: 2 }, { start: 200, count: 1 }, { start: 1500, count: 1 }],
    })
    const over = rateCheck(Array.from({ length: 14 }, (_, i) => 300 + i), { max: 10, per: 1000, tolerance: 1 })
    expect(over).toMatchObject({ passed: false, peak: { start: 300, count: 14 } })
    expect(rateCheck([], { max: 10, per: 1000, tolerance: 0 })).toMatchObject({ passed: true, peak: { count: 0 } })
  })

  it('records exactly the windows it checked: their fullest is the peak, and the verdict follows it', () => {
    fc.assert(fc.property(
      fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 80 }), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 3 }), fc.constantFrom(250, 1000),
      (times, max, tolerance, per) => {
        const check = rateCheck(times, { max, per, tolerance })
        const windows = check.windows!
        expect(windows).toHaveLength(times.length)
        // Brute force: each recorded window holds exactly that arrival and the ones after it (ties included) before start + per.
        const sorted = [...times].sort((a, b) => a - b)
        windows.forEach((w, i) => {
          expect(w.start).toBe(sorted[i])
          expect(w.count).toBe(sorted.slice(i).filter((t) => t < w.start + per).length)
        })
        const top = Math.max(...windows.map((w) => w.count))
        expect(top).toBe(check.peak.count)
        expect(windows.find((w) => w.count === top)!.start).toBe(check.peak.start)
        // A passing check never draws above its line; a failing one always does.
        expect(check.passed).toBe(top <= max + tolerance)
      },
    ))
  })
})

describe('selectPackets', () => {
  const entry = (packet: Record<string, unknown>, t: number): InboxEntry => ({ packet: { packet: 'publish', ...packet }, t, consumed: false, connection: 1 })

  it('ordered patterns need increasing arrival order; unordered take any distinct packets', () => {
    const entries = [entry({ topic: 'b' }, 1), entry({ topic: 'a' }, 2)]
    expect(selectPackets(entries, [{ topic: 'a' }, { topic: 'b' }], 'ordered')).toBeNull()
    expect(selectPackets(entries, [{ topic: 'a' }, { topic: 'b' }], 'unordered')?.map((e) => e.t)).toEqual([2, 1])
    expect(selectPackets(entries, [{ packet: 'publish' }, { packet: 'publish' }, { packet: 'publish' }], 'unordered')).toBeNull()
    entries[0]!.consumed = true
    expect(selectPackets(entries, [{ topic: 'b' }], 'ordered')).toBeNull()
  })
})
