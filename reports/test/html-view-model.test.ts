import { describe, expect, it } from 'vitest'
import { buildHtmlViewModel, latencyHistogram, latencyStats } from '../html-view-model.js'
import { jsonForScript } from '../html-page.js'
import { sampleReport } from './fixtures.js'

describe('html view model', () => {
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
    // The chart draws the runner's windows as recorded, not recomputed from the points.
    const recorded = report.scenarios.find((s) => s.id === 'session-replay-rate')!.timelines![0]!.rate!
    expect(tl.rate).toBe(recorded)
    expect(tl.rate!.windows).toHaveLength(tl.points.length)
  })

  it('draws no limit for a timeline without a structured rate check (no parsing of the assertion text)', () => {
    const report = sampleReport()
    const s = report.scenarios.find((x) => x.timelines)!
    s.timelines = s.timelines!.map(({ rate: _rate, ...rest }) => rest)
    const tl = buildHtmlViewModel(report).timelines[0]!
    expect(tl.assertion).toBe('at most 10 per 1000 ms (+1)')
    expect(tl.rate).toBeUndefined()
  })

  it('serialises data that cannot end its script element', () => {
    const text = jsonForScript({ s: '</script><!-- \u2028' })
    expect(text).not.toMatch(/<|\u2028/)
    expect(JSON.parse(text)).toEqual({ s: '</script><!-- \u2028' })
  })
})
