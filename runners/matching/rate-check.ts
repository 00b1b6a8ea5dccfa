/** `rate: { max, per, tolerance }` from a scenario. */
export interface RateLimit {
  max: number
  per: number
  tolerance: number
}

/**
 * Checks arrival times against a rate limit with a sliding window: no window
 * of `per` ms starting at an arrival holds more than max + tolerance arrivals.
 * Returns null when it holds, else the worst window.
 */
export function checkRate(times: readonly number[], limit: RateLimit): { start: number; count: number } | null {
  if (limit.max === 0) return null
  const sorted = [...times].sort((a, b) => a - b)
  let worst: { start: number; count: number } | null = null
  let j = 0
  for (let i = 0; i < sorted.length; i++) {
    if (j < i) j = i
    while (j + 1 < sorted.length && sorted[j + 1]! - sorted[i]! < limit.per) j++
    const count = j - i + 1
    if (count > limit.max + limit.tolerance && (!worst || count > worst.count)) worst = { start: sorted[i]!, count }
  }
  return worst
}

/** How the assertion reads in reports: `at most 10 per 1000 ms (+1)`. */
export function describeRate(limit: RateLimit): string {
  if (limit.max === 0) return 'unlimited'
  return `at most ${limit.max} per ${limit.per} ms${limit.tolerance ? ` (+${limit.tolerance})` : ''}`
}
