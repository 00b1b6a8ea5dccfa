import type { ExpectRate, RateCheck } from '../../spec/index.js'

/**
 * The fullest sliding window: of the windows [t, t + per) that start at an
 * arrival, the first holding the most arrivals. `{ start: 0, count: 0 }` for none.
 */
export function peakWindow(times: readonly number[], per: number): { start: number; count: number } {
  const sorted = [...times].sort((a, b) => a - b)
  let peak = { start: sorted[0] ?? 0, count: 0 }
  let j = 0
  for (let i = 0; i < sorted.length; i++) {
    if (j < i) j = i
    while (j + 1 < sorted.length && sorted[j + 1]! - sorted[i]! < per) j++
    const count = j - i + 1
    if (count > peak.count) peak = { start: sorted[i]!, count }
  }
  return peak
}

/**
 * Checks arrival times against a rate limit with a sliding window: no window
 * of `per` ms starting at an arrival holds more than max + tolerance arrivals.
 * Returns null when it holds, else the worst window.
 */
export function checkRate(times: readonly number[], limit: ExpectRate): { start: number; count: number } | null {
  if (limit.max === 0) return null
  const peak = peakWindow(times, limit.per)
  return peak.count > limit.max + limit.tolerance ? peak : null
}

/**
 * The check as report data (spec RateCheck): the limit, the fullest window and
 * the verdict, so reports draw what was checked instead of re-deriving it.
 */
export function rateCheck(times: readonly number[], limit: ExpectRate): RateCheck {
  const peak = peakWindow(times, limit.per)
  const round = (t: number) => Math.round(t * 10) / 10
  return {
    max: limit.max,
    perMs: limit.per,
    tolerance: limit.tolerance,
    peak: { start: round(peak.start), count: peak.count },
    passed: checkRate(times, limit) === null,
  }
}

/** How the assertion reads in reports: `at most 10 per 1000 ms (+1)`. */
export function describeRate(limit: ExpectRate): string {
  if (limit.max === 0) return 'unlimited'
  return `at most ${limit.max} per ${limit.per} ms${limit.tolerance ? ` (+${limit.tolerance})` : ''}`
}
