import type { ExpectRate, RateCheck, RateWindow } from '../../spec/index.js'

/**
 * The sliding windows a rate check examines: for each arrival t (in time
 * order), the arrivals in the half-open window [t, t + per).
 */
export function slidingWindows(times: readonly number[], per: number): RateWindow[] {
  const sorted = [...times].sort((a, b) => a - b)
  const out: RateWindow[] = []
  for (let i = 0, j = 0; i < sorted.length; i++) {
    if (j < i) j = i
    while (j < sorted.length && sorted[j]! - sorted[i]! < per) j++
    out.push({ start: sorted[i]!, count: j - i })
  }
  return out
}

/**
 * Checks arrival times against a rate limit with a sliding window: no window
 * of `per` ms starting at an arrival may hold more than max + tolerance
 * arrivals (`max: 0` = unlimited). The result is report data (spec RateCheck):
 * the limit, every window examined, the fullest (the first holding the most;
 * `{ start: 0, count: 0 }` for no arrivals) and the verdict, so reports draw
 * what was checked instead of re-deriving it.
 */
export function rateCheck(times: readonly number[], limit: ExpectRate): RateCheck {
  const round = (t: number) => Math.round(t * 10) / 10
  const windows = slidingWindows(times, limit.per)
  let peak: RateWindow = { start: windows[0]?.start ?? 0, count: 0 }
  for (const w of windows) if (w.count > peak.count) peak = w
  return {
    max: limit.max,
    perMs: limit.per,
    tolerance: limit.tolerance,
    peak: { start: round(peak.start), count: peak.count },
    passed: limit.max === 0 || peak.count <= limit.max + limit.tolerance,
    windows: windows.map((w) => ({ start: round(w.start), count: w.count })),
  }
}

/** How the assertion reads in reports: `at most 10 per 1000 ms (+1)`. */
export function describeRate(limit: ExpectRate): string {
  if (limit.max === 0) return 'unlimited'
  return `at most ${limit.max} per ${limit.per} ms${limit.tolerance ? ` (+${limit.tolerance})` : ''}`
}
