import type { Outcome, RateCheck, RunReport } from '../spec/index.js'

/**
 * The latency chart's axis is logarithmic so that every step kind shows, from
 * sub-millisecond PUBACKs to multi-second expiries; values below this floor
 * (0 included: steps are rounded to 0.01 ms) are drawn at it.
 */
const LATENCY_AXIS_FLOOR_MS = 0.01

/** Five-number summary (plus p95 and mean) of one step kind's latencies, in ms. */
export interface LatencyStats {
  kind: string
  count: number
  min: number
  p25: number
  median: number
  p75: number
  p95: number
  max: number
  mean: number
}

/** Latencies in 1-2-5 bins (readable edges), one count series per step kind. */
export interface LatencyHistogram {
  bins: { lo: number; hi: number; label: string }[]
  series: { kind: string; counts: number[] }[]
}

/**
 * One timed behaviour to draw: arrival times and, for a rate check, the check
 * as the runner computed it (spec RateCheck, with the count of every sliding
 * window it examined), so the chart shows exactly what passed or failed.
 */
export interface TimelineView {
  scenarioId: string
  scenarioTitle: string
  status: Outcome
  name: string
  client?: string
  assertion?: string
  points: number[]
  /** The runner's check: limit, every window examined, fullest window, verdict. */
  rate?: RateCheck
}

/** What the HTML page's charts draw, computed here so it is typed and tested, not in page script. */
export interface HtmlViewModel {
  latency: { stats: LatencyStats[]; histogram: LatencyHistogram; table: LatencyTableRow[]; axisFloorMs: number }
  timelines: TimelineView[]
}

/** Linear-interpolated quantile of an ascending array. */
function quantile(sorted: readonly number[], q: number): number {
  if (!sorted.length) return NaN
  const pos = (sorted.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo)
}

export function latencyStats(kind: string, values: readonly number[]): LatencyStats {
  const s = [...values].sort((a, b) => a - b)
  return {
    kind, count: s.length, min: s[0] ?? NaN, p25: quantile(s, 0.25), median: quantile(s, 0.5), p75: quantile(s, 0.75),
    p95: quantile(s, 0.95), max: s[s.length - 1] ?? NaN, mean: s.reduce((a, b) => a + b, 0) / (s.length || 1),
  }
}

function formatEdge(ms: number): string {
  if (ms >= 1000) return `${+(ms / 1000).toPrecision(3)} s`
  return `${+ms.toPrecision(3)} ms`
}

/** `< 1 ms`, `1–2 ms`, `500 ms–1 s`, `1–2 s`. */
function binLabel(lo: number, hi: number): string {
  if (lo === 0) return `< ${formatEdge(hi)}`
  const sameUnit = (lo >= 1000) === (hi >= 1000)
  return sameUnit ? `${formatEdge(lo).replace(/ m?s$/, '')}–${formatEdge(hi)}` : `${formatEdge(lo)}–${formatEdge(hi)}`
}

/** 1-2-5 bin edges from 0.01 ms, trimmed to the bins that hold data. */
export function latencyHistogram(byKind: ReadonlyMap<string, readonly number[]>): LatencyHistogram {
  const all = [...byKind.values()].flat()
  if (!all.length) return { bins: [], series: [] }
  const max = Math.max(...all)
  const edges: number[] = []
  for (let decade = 0.01; edges.length === 0 || edges[edges.length - 1]! <= max; decade *= 10) {
    for (const m of [1, 2, 5]) edges.push(+(decade * m).toPrecision(3))
  }
  // bin i holds [edges[i-1], edges[i]); bin 0 holds everything below edges[0].
  const binOf = (v: number) => { let i = 0; while (i < edges.length - 1 && v >= edges[i]!) i++; return i }
  const series = [...byKind].map(([kind, values]) => {
    const counts = edges.map(() => 0)
    for (const v of values) counts[binOf(v)]! += 1
    return { kind, counts }
  })
  const used = edges.map((_, i) => series.some((s) => s.counts[i]! > 0))
  const first = used.indexOf(true)
  const last = used.lastIndexOf(true)
  const bins = edges.slice(first, last + 1).map((hi, j) => {
    const i = first + j
    const lo = i === 0 ? 0 : edges[i - 1]!
    return { lo, hi, label: binLabel(lo, hi) }
  })
  return { bins, series: series.map((s) => ({ kind: s.kind, counts: s.counts.slice(first, last + 1) })) }
}

/** Latency percentiles per step kind, as a table (what the log-axis chart draws, in numbers). */
export interface LatencyTableRow {
  kind: string
  count: number
  cells: { label: string; ms: number }[]
}

function latencyTable(stats: readonly LatencyStats[]): LatencyTableRow[] {
  return stats.map((s) => ({
    kind: s.kind,
    count: s.count,
    cells: [['min', s.min], ['p25', s.p25], ['median', s.median], ['p75', s.p75], ['p95', s.p95], ['max', s.max], ['mean', s.mean]].map(([label, ms]) => ({ label: label as string, ms: ms as number })),
  }))
}

/** The chart data for a report. */
export function buildHtmlViewModel(report: RunReport): HtmlViewModel {
  const byKind = new Map<string, number[]>()
  for (const s of report.scenarios) {
    for (const st of s.steps) {
      if (st.latencyMs === undefined || !Number.isFinite(st.latencyMs)) continue
      const list = byKind.get(st.kind) ?? []
      list.push(st.latencyMs)
      byKind.set(st.kind, list)
    }
  }
  const kinds = new Map([...byKind].sort(([a], [b]) => a.localeCompare(b)))
  const timelines: TimelineView[] = []
  for (const s of report.scenarios) {
    for (const tl of s.timelines ?? []) {
      const points = tl.points.filter(Number.isFinite).sort((a, b) => a - b)
      timelines.push({
        scenarioId: s.id, scenarioTitle: s.title, status: s.status, name: tl.name, points,
        ...(tl.client !== undefined ? { client: tl.client } : {}),
        ...(tl.assertion !== undefined ? { assertion: tl.assertion } : {}),
        ...(tl.rate ? { rate: tl.rate } : {}),
      })
    }
  }
  const stats = [...kinds].map(([k, v]) => latencyStats(k, v))
  return {
    latency: { stats, histogram: latencyHistogram(kinds), table: latencyTable(stats), axisFloorMs: LATENCY_AXIS_FLOOR_MS },
    timelines,
  }
}
