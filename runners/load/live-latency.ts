/**
 * Upper bounds (ms) of the live latency buckets a run publishes while it
 * runs (Prometheus `le`, in seconds there). Fixed, so every slice's and
 * every shard's buckets add up; the exact HDR histograms stay in the report.
 */
export const LIVE_LATENCY_BOUNDS_MS = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 20_000] as const

/** Cumulative latency counts since the first stage: `counts[i]` samples ≤ bound i (not cumulative across i), the last one past every bound. */
export interface LiveLatency {
  counts: number[]
  sumMs: number
  count: number
}

/** An empty LiveLatency. */
export function emptyLiveLatency(): LiveLatency {
  return { counts: new Array<number>(LIVE_LATENCY_BOUNDS_MS.length + 1).fill(0), sumMs: 0, count: 0 }
}

/** Counts one sample into its bucket (a few comparisons per sample). */
export function recordLiveLatency(l: LiveLatency, ms: number): void {
  let i = 0
  while (i < LIVE_LATENCY_BOUNDS_MS.length && ms > LIVE_LATENCY_BOUNDS_MS[i]!) i++
  l.counts[i]!++
  l.sumMs += ms
  l.count++
}

/** Adds live latencies (of slices, or of shards). */
export function addLiveLatency(list: readonly LiveLatency[]): LiveLatency {
  const out = emptyLiveLatency()
  for (const l of list) {
    l.counts.forEach((c, i) => { out.counts[i]! += c })
    out.sumMs += l.sumMs
    out.count += l.count
  }
  return out
}
