import { afterEach, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { emptyLiveLatency, LIVE_LATENCY_BOUNDS_MS, recordLiveLatency } from '../live-latency.js'
import { addProgress, type LoadProgress } from '../load-progress.js'
import { parseListenAddress, startPrometheusExporter, type PrometheusExporter } from '../prometheus-exporter.js'

let exporter: PrometheusExporter | undefined
afterEach(async () => { await exporter?.close(); exporter = undefined })

function progress(outcomes: Record<string, number>, latencies: number[]): LoadProgress {
  const latency = emptyLiveLatency()
  for (const ms of latencies) recordLiveLatency(latency, ms)
  return { phase: 'running', devices: 10, connected: 9, planned: 12, sent: 11, notSent: 1, outcomes, inFlight: 2, received: 8, latency }
}

/** `name{labels} value` lines of a Prometheus text exposition, as a map. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const line of text.split('\n')) if (line && !line.startsWith('#')) { const i = line.lastIndexOf(' '); out.set(line.slice(0, i), Number(line.slice(i + 1))) }
  return out
}

describe('the Prometheus exporter', () => {
  it('exposes the added-up progress of the slices: counters by outcome, a cumulative histogram, gauges, run/scenario/shard labels', async () => {
    exporter = await startPrometheusExporter({ host: '127.0.0.1', port: 0, shard: '2/4' })
    exporter.describe('r1', 'sc', 'direct-messages')
    // Two worker slices' progress, added up as runSlices does.
    exporter.update(addProgress([progress({ '200': 7, '504': 1 }, [0.5, 3, 3, 40, 40, 40, 1200, 30_000]), progress({ '200': 2 }, [3, 900])]))
    const text = await (await fetch(exporter.url)).text()
    const s = samples(text)
    const l = 'run="r1",scenario="sc",shard="2/4"'
    expect(s.get(`hx_load_planned_total{${l}}`)).toBe(24)
    expect(s.get(`hx_load_outcomes_total{outcome="200",${l}}`)).toBe(9)
    expect(s.get(`hx_load_outcomes_total{outcome="504",${l}}`)).toBe(1)
    expect(s.get(`hx_load_devices_connected{${l}}`)).toBe(18)
    expect(s.get(`hx_load_phase{phase="running",${l}}`)).toBe(1)
    expect(s.get(`hx_load_aborted{threshold="",${l}}`)).toBe(0)
    // Buckets are cumulative in seconds: ≤1 ms: 1; ≤5 ms: 4; ≤50 ms: 7; ≤1 s: 8; ≤2.5 s: 9; +Inf: 10.
    const b = (le: string) => s.get(`hx_load_latency_seconds_bucket{series="response",le="${le}",${l}}`)
    expect([b('0.001'), b('0.005'), b('0.05'), b('1'), b('2.5'), b('20'), b('+Inf')]).toEqual([1, 4, 7, 8, 9, 9, 10])
    expect(s.get(`hx_load_latency_seconds_count{series="response",${l}}`)).toBe(10)
    expect(s.get(`hx_load_latency_seconds_sum{series="response",${l}}`)).toBeCloseTo((0.5 + 3 + 3 + 120 + 1200 + 30_000 + 3 + 900) / 1000, 6)
    expect(text).toContain('# TYPE hx_load_latency_seconds histogram')
    exporter.abort({ threshold: 'p(99) < 1s', actual: 'p(99) = 2s', atMs: 3000, at: new Date().toISOString(), slice: { index: 1, count: 4 } })
    expect(samples(await (await fetch(exporter.url)).text()).get(`hx_load_aborted{threshold="p(99) < 1s",${l}}`)).toBe(1)
  })

  it('lingers after the run only until a scrape that began after the final totals, and not at all when nothing scrapes', async () => {
    exporter = await startPrometheusExporter({ host: '127.0.0.1', port: 0, shard: '1/1' })
    expect(await exporter.lingerForFinalScrape(5000)).toBe(false)
    await fetch(exporter.url)
    const lingering = exporter.lingerForFinalScrape(5000)
    const t0 = performance.now()
    setTimeout(() => void fetch(exporter!.url), 300)
    expect(await lingering).toBe(true)
    expect(performance.now() - t0).toBeLessThan(4000)
  })

  it('parses --prometheus addresses', () => {
    expect(parseListenAddress('9464')).toEqual({ host: '127.0.0.1', port: 9464 })
    expect(parseListenAddress('0.0.0.0:9464')).toEqual({ host: '0.0.0.0', port: 9464 })
    expect(parseListenAddress('[::]:0')).toEqual({ host: '::', port: 0 })
    expect(parseListenAddress('host:99999')).toBeUndefined()
    expect(parseListenAddress('nope')).toBeUndefined()
  })

  it('the Grafana dashboard (deploy/grafana) queries only metrics the exporter exposes', async () => {
    exporter = await startPrometheusExporter({ host: '127.0.0.1', port: 0, shard: '1/1' })
    exporter.update(progress({ '200': 1 }, [1]))
    const exposed = new Set([...samples(await (await fetch(exporter.url)).text()).keys()].map((k) => k.replace(/\{.*$/, '')))
    const dash = JSON.parse(readFileSync(new URL('../../../deploy/grafana/mqtt-harness-load.json', import.meta.url), 'utf8')) as { panels: { targets: { expr: string }[] }[] }
    const used = new Set(dash.panels.flatMap((p) => p.targets.flatMap((t) => t.expr.match(/hx_load_[a-z_]+/g) ?? [])))
    expect(used.size).toBeGreaterThan(5)
    for (const m of used) expect(exposed, m).toContain(m)
    expect(LIVE_LATENCY_BOUNDS_MS.length).toBeGreaterThan(10)
  })
})
