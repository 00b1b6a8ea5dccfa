import { compareThreshold, type EncodedHistogram, type LoadReport, type SourceLocation, type Threshold, type ThresholdOperand, type ThresholdResult } from '../../spec/index.js'
import { percentileOf } from './latency-histogram.js'

/** What thresholds read: a (merged) report, or a slice's numbers so far. */
export type ThresholdMetrics = Pick<LoadReport, 'dm' | 'pubsub' | 'fleet'>
type Metrics = ThresholdMetrics

function histogramOf(r: Metrics, series: string): EncodedHistogram | undefined {
  const dm = r.dm?.latency
  switch (series) {
    case 'response': case 'sent': case 'receipt': case 'ack': return dm?.[series]
    case 'lag': return dm?.lag ?? r.pubsub?.latency.lag
    case 'connack': return r.fleet.connack
    case 'pubsub': return r.pubsub?.latency.pubsub
    default: return dm?.byBucket[series]
  }
}

function counterOf(r: Metrics, name: string): { value: number; of: number } | undefined {
  const dm = r.dm
  const ps = r.pubsub
  const devices = r.fleet.devices
  if (name === 'connectFailures') return { value: r.fleet.connectFailures, of: devices }
  if (name === 'disconnects') return { value: r.fleet.disconnects, of: devices }
  if (dm) {
    const of = dm.planned
    if (name === 'planned') return { value: dm.planned, of }
    if (name === 'sent') return { value: dm.sent, of }
    if (name === 'accepted') return { value: dm.buckets['200'], of }
    if (name in dm.buckets) return { value: dm.buckets[name as keyof typeof dm.buckets], of }
    if (name in dm.receipts) return { value: dm.receipts[name as keyof typeof dm.receipts], of }
  }
  if (ps) {
    const perPublish = ['planned', 'sent', 'notSent', 'publishErrors']
    if (perPublish.includes(name) || ['expected', 'received', 'lost', 'duplicates', 'reordered', 'orphans'].includes(name)) {
      return { value: ps[name as keyof typeof ps] as number, of: perPublish.includes(name) ? ps.planned : ps.expected }
    }
  }
  return undefined
}

const fmtMs = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(3)}s` : `${ms.toFixed(3)}ms`)

function valueOf(r: Metrics, o: ThresholdOperand): { value: number; text: string } {
  switch (o.kind) {
    case 'literal': return { value: o.value, text: String(o.value) }
    case 'percentile': case 'max': case 'mean': {
      const h = histogramOf(r, o.series)
      const label = o.kind === 'percentile' ? `p(${o.percentile}${o.series === 'response' ? '' : `, ${o.series}`})` : `${o.kind}(${o.series})`
      if (!h || h.count === 0) return { value: 0, text: `${label} = no samples` }
      const v = o.kind === 'percentile' ? percentileOf(h, o.percentile) : o.kind === 'max' ? h.max : h.mean
      return { value: v, text: `${label} = ${fmtMs(v)} (${h.count} samples)` }
    }
    case 'counter': {
      const c = counterOf(r, o.counter)
      return c ? { value: c.value, text: `${o.counter} = ${c.value}` } : { value: NaN, text: `${o.counter} = not measured in this run` }
    }
    case 'rate': {
      const c = counterOf(r, o.counter)
      if (!c) return { value: NaN, text: `rate(${o.counter}) = not measured in this run` }
      const v = c.of === 0 ? 0 : c.value / c.of
      return { value: v, text: `rate(${o.counter}) = ${v.toPrecision(3)} (${c.value}/${c.of})` }
    }
  }
}

/**
 * Evaluates the scenario's thresholds against a (merged) report. A metric the
 * run did not measure fails its threshold rather than passing silently.
 */
export function evaluateThresholds(r: Metrics, thresholds: readonly { threshold: Threshold; location?: SourceLocation }[]): ThresholdResult[] {
  return thresholds.map(({ threshold: t, location }) => {
    const a = valueOf(r, t.left)
    const b = valueOf(r, t.right)
    const passed = !Number.isNaN(a.value) && !Number.isNaN(b.value) && compareThreshold(a.value, t.op, b.value)
    const actual = [t.left, t.right].map((o, i) => (o.kind === 'literal' ? null : (i === 0 ? a : b).text)).filter((x) => x !== null).join(', ')
    return { expression: t.source, passed, actual, ...(location ? { location } : {}) }
  })
}
