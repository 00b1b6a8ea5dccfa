import { describe, expect, it } from 'vitest'
import { buildHtmlViewModel, latencyHistogram, latencyStats, parseRateLimit, peakInWindow } from '../html-view-model.js'
import { jsonForScript } from '../html-page.js'
import { sampleReport } from './fixtures.js'

describe('html view model', () => {
  it('reads rate limits from assertion texts', () => {
    expect(parseRateLimit('at most 10 per 1000 ms (+1)')).toEqual({ count: 10, windowMs: 1000, tolerance: 1 })
    expect(parseRateLimit('at most 100 per 1 s')).toEqual({ count: 100, windowMs: 1000, tolerance: 0 })
    expect(parseRateLimit('replay at most 10 msg/s')).toEqual({ count: 10, windowMs: 1000, tolerance: 0 })
    expect(parseRateLimit('expires after 5 s')).toBeUndefined()
    expect(parseRateLimit(undefined)).toBeUndefined()
  })

  it('counts the most events in any window', () => {
    // [100, 1100) holds five; the window is half-open, so 0 and 1000 are never together.
    expect(peakInWindow([0, 100, 200, 999, 1000, 1001], 1000)).toBe(5)
    expect(peakInWindow([0, 1000], 1000)).toBe(1)
    expect(peakInWindow([1000, 0, 999], 1000)).toBe(2)
    expect(peakInWindow([], 1000)).toBe(0)
  })

  it('summarises latencies per kind and bins them on 1-2-5 edges', () => {
    expect(latencyStats('publish', [4, 1, 3, 2, 5])).toEqual({ kind: 'publish', count: 5, min: 1, p25: 2, median: 3, p75: 4, p95: 4.8, max: 5, mean: 3 })
    const hist = latencyHistogram(new Map([['a', [0.5, 1.5, 1.6, 7]], ['b', [3]]]))
    expect(hist.bins.map((b) => b.label)).toEqual(['0.5–1 ms', '1–2 ms', '2–5 ms', '5–10 ms'])
    expect(hist.series).toEqual([{ kind: 'a', counts: [1, 2, 0, 1] }, { kind: 'b', counts: [0, 0, 1, 0] }])
    expect(latencyHistogram(new Map([['a', [700, 1500]]])).bins.map((b) => b.label)).toEqual(['500 ms–1 s', '1–2 s'])
  })

  it('collects step latencies by kind and timelines with their limits', () => {
    const view = buildHtmlViewModel(sampleReport())
    expect(view.latency.stats.map((s) => [s.kind, s.count])).toEqual([['connect', 9], ['http', 9], ['publish', 9], ['subscribe', 9]])
    expect(view.timelines).toHaveLength(1)
    expect(view.timelines[0]).toMatchObject({ scenarioId: 'session-replay-rate', limit: { count: 10, windowMs: 1000, tolerance: 1 }, status: 'passed' })
    expect(view.timelines[0]!.peak).toBeGreaterThanOrEqual(10)
  })

  it('serialises data that cannot end its script element', () => {
    const text = jsonForScript({ s: '</script><!-- \u2028' })
    expect(text).not.toMatch(/<|\u2028/)
    expect(JSON.parse(text)).toEqual({ s: '</script><!-- \u2028' })
  })
})
