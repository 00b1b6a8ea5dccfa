import { DM_BUCKETS, type EncodedHistogram, type LoadReport } from '../../spec/index.js'
import { decodeHistogram } from './latency-histogram.js'

/** One latency series as the reports show it (ms). */
export interface LatencyRow {
  name: string
  meaning: string
  h: EncodedHistogram
}

const PERCENTILES = [50, 75, 90, 95, 99, 99.9, 99.99, 100]

/** The latency series a report has, in reading order, with what each measures. */
export function latencyRows(r: LoadReport): LatencyRow[] {
  const rows: LatencyRow[] = []
  const dm = r.dm
  if (dm) {
    rows.push({ name: 'response', meaning: 'due time → outcome (any status, client timeout, connection error)', h: dm.latency.response })
    for (const b of DM_BUCKETS) {
      const h = dm.latency.byBucket[b]
      if (h && h.count > 0) rows.push({ name: b, meaning: `due time → ${/^\d+$/.test(b) ? `HTTP ${b}` : b}`, h })
    }
    rows.push({ name: 'sent', meaning: 'send time → HTTP response (closed-loop view, hides queueing)', h: dm.latency.sent })
    rows.push({ name: 'receipt', meaning: 'send time → device received the PUBLISH', h: dm.latency.receipt })
    rows.push({ name: 'ack', meaning: 'device PUBACK → HTTP 200', h: dm.latency.ack })
    rows.push({ name: 'lag', meaning: "scheduler's own lag: due time → handed to the pool", h: dm.latency.lag })
  }
  if (r.pubsub) {
    rows.push({ name: 'pubsub', meaning: 'publish due time → subscriber received', h: r.pubsub.latency.pubsub })
    rows.push({ name: 'lag', meaning: "scheduler's own lag: due time → published", h: r.pubsub.latency.lag })
  }
  rows.push({ name: 'connack', meaning: 'device connect → CONNACK', h: r.fleet.connack })
  return rows
}

/** Chart data for the HTML report: percentile curves and per-second series, all numbers (ms, counts). */
export interface LoadChartData {
  percentiles: number[]
  distribution: { name: string; values: number[] }[]
  seconds: number[]
  rates: { planned: number[]; sent: number[]; notSent: number[]; completed: number[] }
  outcomes: { name: string; values: number[] }[]
  latency: { p50: number[]; p99: number[]; max: number[] }
}

/** Decodes the histograms once into what the charts draw. */
export function buildLoadChartData(r: LoadReport): LoadChartData {
  const rows = latencyRows(r).filter((x) => x.h.count > 0 && x.name !== 'connack')
  const distribution = rows.map((row) => {
    const h = decodeHistogram(row.h)
    const values = PERCENTILES.map((p) => Math.round(h.getValueAtPercentile(p)) / 1000)
    h.destroy()
    return { name: row.name, values }
  })
  const names = [...new Set(r.series.flatMap((p) => Object.keys(p.outcomes)))]
  const latency = { p50: [] as number[], p99: [] as number[], max: [] as number[] }
  for (const p of r.series) {
    latency.p50.push(p.latency.p50)
    latency.p99.push(p.latency.p99)
    latency.max.push(p.latency.max)
  }
  return {
    percentiles: PERCENTILES,
    distribution,
    seconds: r.series.map((p) => p.t),
    rates: {
      planned: r.series.map((p) => p.planned),
      sent: r.series.map((p) => p.sent),
      notSent: r.series.map((p) => p.notSent),
      completed: r.series.map((p) => Object.entries(p.outcomes).reduce((s, [k, v]) => s + (k === 'notSent' || k === 'duplicate' ? 0 : v), 0)),
    },
    outcomes: names.filter((n) => n !== 'notSent').map((name) => ({ name, values: r.series.map((p) => p.outcomes[name] ?? 0) })),
    latency,
  }
}

/** `passed` / `thresholds failed` / `books unbalanced`. */
export function verdictText(r: LoadReport): string {
  return r.verdict === 'passed' ? 'passed' : r.verdict === 'thresholds-failed' ? 'thresholds failed' : 'books unbalanced'
}

/** One sentence on an abortOnFail stop, or undefined when the run went to the end of its plan. */
export function abortText(r: LoadReport): string | undefined {
  const a = r.aborted
  return a ? `Stopped early, ${fmtMs(a.atMs)} into the plan, by the abortOnFail threshold ${a.threshold} (${a.actual}) on slice ${a.slice.index + 1}/${a.slice.count}.` : undefined
}

/** A millisecond value the way the reports print it. */
export function fmtMs(ms: number): string {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`
  if (ms >= 10) return `${ms.toFixed(1)} ms`
  return `${ms.toFixed(2)} ms`
}
