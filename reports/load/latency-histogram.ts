import * as hdr from 'hdr-histogram-js'
import type { EncodedHistogram } from '../../spec/index.js'

export type Histogram = hdr.Histogram

/** One hour in microseconds: no latency the harness measures is longer. */
const HIGHEST_US = 3_600_000_000

/**
 * An HDR histogram of latencies in microseconds (3 significant digits).
 * `packed` trades recording speed for memory: for many short-lived histograms
 * (one per second of the run).
 */
export function createLatencyHistogram(opts: { packed?: boolean } = {}): Histogram {
  return hdr.build({
    bitBucketSize: opts.packed ? 'packed' : 32,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  })
}

/** Records a latency given in milliseconds (negative clock skew is clamped to 0). */
export function recordMs(h: Histogram, ms: number): void {
  h.recordValue(Math.min(HIGHEST_US, Math.max(0, Math.round(ms * 1000))))
}

const round3 = (x: number) => Math.round(x * 1000) / 1000

/** The histogram as JSON: compressed HDR encoding plus a millisecond summary. */
export function encodeHistogram(h: Histogram): EncodedHistogram {
  const n = h.totalCount
  const ms = (us: number) => round3(us / 1000)
  return {
    encoded: hdr.encodeIntoCompressedBase64(h),
    count: n,
    min: n ? ms(h.minNonZeroValue === Number.MAX_SAFE_INTEGER ? 0 : h.minNonZeroValue) : 0,
    mean: n ? ms(h.mean) : 0,
    p50: n ? ms(h.getValueAtPercentile(50)) : 0,
    p90: n ? ms(h.getValueAtPercentile(90)) : 0,
    p99: n ? ms(h.getValueAtPercentile(99)) : 0,
    p999: n ? ms(h.getValueAtPercentile(99.9)) : 0,
    max: n ? ms(h.maxValue) : 0,
  }
}

/** An encoded histogram back as an HDR histogram (values in microseconds). */
export function decodeHistogram(e: EncodedHistogram): Histogram {
  const h = createLatencyHistogram()
  if (e.count > 0) {
    const d = hdr.decodeFromCompressedBase64(e.encoded, 32, false)
    h.add(d)
    d.destroy()
  }
  return h
}

/** Adds encoded histograms exactly (HDR counts add bucket by bucket). */
export function addEncodedHistograms(list: readonly EncodedHistogram[]): EncodedHistogram {
  const sum = createLatencyHistogram()
  for (const e of list) {
    if (e.count === 0) continue
    const d = decodeHistogram(e)
    sum.add(d)
    d.destroy()
  }
  const out = encodeHistogram(sum)
  sum.destroy()
  return out
}

/** The latency (ms) at a percentile of an encoded histogram; 0 when empty. */
export function percentileOf(e: EncodedHistogram, percentile: number): number {
  if (e.count === 0) return 0
  const h = decodeHistogram(e)
  const v = h.getValueAtPercentile(percentile) / 1000
  h.destroy()
  return v
}

/** An empty encoded histogram. */
export function emptyHistogram(): EncodedHistogram {
  const h = createLatencyHistogram()
  const e = encodeHistogram(h)
  h.destroy()
  return e
}
