import { describe, expect, it } from 'vitest'
import { buildHtmlViewModel, latencyHistogram, latencyStats, slidingWindowCounts } from '../html-view-model.js'
import { jsonForScript } from '../html-page.js'
import { sampleReport } from './fixtures.js'

describe('html view model', () => {
  it('counts arrivals in the half-open window starting at each arrival', () => {
    // [100, 1100) holds five; the window is half-open, so 0 and 1000 are never together.
    expect(slidingWindowCounts([0, 100, 200, 999, 1000, 1001], 1000).map((w) => w.count)).toEqual([4, 5, 4, 3, 2, 1])
    expect(slidingWindowCounts([1000, 0, 999], 1000)).toEqual([{ t: 0, count: 2 }, { t: 999, count: 2 }, { t: 1000, count: 1 }])
    expect(slidingWindowCounts([], 1000)).toEqual([])
  })

  it('summarises latencies per kind and bins them on 1-2-5 edges', () => {
    expect(latencyStats('publish', [4, 1, 3, 2, 5])).toEqual({ kind: 'publish', count: 5, min: 1, p25: 2, median: 3, p75: 4, p95: 4.8, max: 5, mean: 3 })
    const hist = latencyHistogram(new Map([['a', [0.5, 1.5, 1.6, 7]], ['b', [3]]]))
    expect(hist.bins.map((b) => b.label)).toEqual(['0.5–1 ms', '1–2 ms', '2–5 ms', '5–10 ms'])
    expect(hist.series).toEqual([{ kind: 'a', counts: [1, 2, 0, 1] }, { kind: 'b', counts: [0, 0, 1, 0] }])
    expect(latencyHistogram(new Map([['a', [700, 1500]]])).bins.map((b) => b.label)).toEqual(['500 ms–1 s', '1–2 s'])
  })

  it('collects step latencies by kind and timelines with the runner\'s rate check', () => {
    const report = sampleReport()
    const view = buildHtmlViewModel(report)
    expect(view.latency.stats.map((s) => [s.kind, s.count])).toEqual([['connect', 9], ['http', 9], ['publish', 9], ['subscribe', 9]])
    expect(view.latency.table.map((r) => [r.kind, r.cells.map((c) => c.label)])).toContainEqual(['publish', ['min', 'p25', 'median', 'p75', 'p95', 'max', 'mean']])
    expect(view.timelines).toHaveLength(1)
    const tl = view.timelines[0]!
    expect(tl).toMatchObject({ scenarioId: 'session-replay-rate', rate: { max: 10, perMs: 1000, tolerance: 1, passed: true }, status: 'passed' })
    // What the chart draws peaks exactly at the runner's fullest window, and never above the limit of a passing check.
    const top = Math.max(...tl.windows!.map((w) => w.count))
    expect(top).toBe(tl.rate!.peak.count)
    expect(tl.windows!.find((w) => w.count === top)!.t).toBe(tl.rate!.peak.start)
    expect(top).toBeLessThanOrEqual(tl.rate!.max + tl.rate!.tolerance)
  })

  it('draws no limit for a timeline without a structured rate check (no parsing of the assertion text)', () => {
    const report = sampleReport()
    const s = report.scenarios.find((x) => x.timelines)!
    s.timelines = s.timelines!.map(({ rate: _rate, ...rest }) => rest)
    const tl = buildHtmlViewModel(report).timelines[0]!
    expect(tl.assertion).toBe('at most 10 per 1000 ms (+1)')
    expect(tl.rate).toBeUndefined()
    expect(tl.windows).toBeUndefined()
  })

  it('serialises data that cannot end its script element', () => {
    const text = jsonForScript({ s: '</script><!-- \u2028' })
    expect(text).not.toMatch(/<|\u2028/)
    expect(JSON.parse(text)).toEqual({ s: '</script><!-- \u2028' })
  })
})
