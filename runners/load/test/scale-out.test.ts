import { afterEach, describe, expect, it, vi } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { addEncodedHistograms, decodeHistogram, mergeLoadReports } from '../../../reports/index.js'
import { loadReportSchema, type LoadReport } from '../../../spec/index.js'
import { main } from '../../cli.js'
import { runLoad } from '../run-load.js'
import { tempFiles } from './helpers.js'

const scenario = `id: scale-out
title: slices of the fleet and the rate
devices: { count: 300, connectRate: 1000/s }
stages: [{ stage: steady, duration: 2s, rate: 150/s }]
directMessage: { confirmation: true, timeout: 2 }
thresholds: ["delivered == accepted", "notSent == 0", "p(99) < 1ms"]
`

// The CLI prints its summary on stdout; keep the test output to the tests.
afterEach(() => vi.restoreAllMocks())

describe('scale-out', () => {
  it('--workers 2 runs two worker threads, each a slice of the fleet and the rate, and adds them up', async () => {
    const dir = tempFiles({ 'load.yaml': scenario })
    const { report: r } = await runLoad({ scenarioFile: join(dir, 'load.yaml'), workers: 2 })
    expect(r.run.slices.map((s) => ({ index: s.index, count: s.count }))).toEqual([{ index: 0, count: 2 }, { index: 1, count: 2 }])
    expect(r.fleet.devices).toBe(300)
    expect(r.dm!.planned).toBe(300)
    expect(r.dm!.buckets['200']).toBe(300)
    expect(r.dm!.receipts.delivered).toBe(300)
    expect(r.books.balanced).toBe(true)
  })

  it('--shard i/n reports merge exactly: counts and HDR histograms add, thresholds re-evaluated on the sum', async () => {
    const dir = tempFiles({ 'load.yaml': scenario })
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
    const codes: number[] = []
    for (const i of [1, 2]) codes.push(await main(['load', join(dir, 'load.yaml'), '--shard', `${i}/2`, '--out', join(dir, `shard${i}`), '--no-progress']))
    // p(99) < 1 ms is meant to fail: exit 4 (thresholds), not 1 (books).
    expect(codes).toEqual([4, 4])
    const shards = [1, 2].map((i) => loadReportSchema.parse(JSON.parse(readFileSync(join(dir, `shard${i}`, 'load-report.json'), 'utf8'))) as LoadReport)
    expect(shards.map((s) => s.dm!.planned)).toEqual([150, 150])
    expect(shards.map((s) => s.fleet.devices)).toEqual([150, 150])

    expect(await main(['load-merge', join(dir, 'shard1', 'load-report.json'), join(dir, 'shard2', 'load-report.json'), '--out', join(dir, 'merged')])).toBe(4)
    const merged = loadReportSchema.parse(JSON.parse(readFileSync(join(dir, 'merged', 'load-report.json'), 'utf8')))
    expect(merged.dm!.planned).toBe(300)
    expect(merged.dm!.buckets['200']).toBe(300)
    expect(merged.books.balanced).toBe(true)
    const sum = addEncodedHistograms(shards.map((s) => s.dm!.latency.response))
    expect(merged.dm!.latency.response).toEqual(sum)
    // Exact: the merge equals the shards' histograms added bucket by bucket.
    const m = decodeHistogram(merged.dm!.latency.response)
    const parts = shards.map((s) => decodeHistogram(s.dm!.latency.response))
    const all = decodeHistogram(shards[0]!.dm!.latency.response)
    all.add(parts[1]!)
    for (const p of [10, 50, 90, 99, 99.9, 100]) expect(m.getValueAtPercentile(p)).toBe(all.getValueAtPercentile(p))
    expect(m.totalCount).toBe(parts.reduce((n, h) => n + h.totalCount, 0))
    expect(merged.thresholds.map((t) => t.passed)).toEqual([true, true, false])
    expect(merged.series.reduce((s, p) => s + p.planned, 0)).toBe(300)
    // Merging the same shard twice is refused.
    expect(() => mergeLoadReports([shards[0]!, shards[0]!])).toThrow(/appears twice/)
    expect(mergeLoadReports(shards).verdict).toBe('thresholds-failed')
  })
})
