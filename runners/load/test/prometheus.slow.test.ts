import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import net from 'node:net'
import { join } from 'node:path'
import { loadReportSchema } from '../../../spec/index.js'
import { main } from '../../cli.js'
import { tempFiles } from './helpers.js'

// A real Prometheus (Debian's `prometheus`, scripts/install-system-deps.sh) on a
// loopback port scrapes `load --prometheus` every second; after the run, PromQL
// over its HTTP API must give the report's counts.
const PROMETHEUS = '/usr/bin/prometheus'

/** A free loopback port: bound on port 0, then released (Prometheus needs a known address in its config). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => { const { port } = s.address() as net.AddressInfo; s.close(() => resolve(port)) })
  })
}

async function until<T>(what: string, deadlineMs: number, f: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + deadlineMs
  for (;;) {
    const v = await f().catch(() => undefined)
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

let prom: ChildProcess | undefined
let promUrl = ''
let exporterPort = 0
let dir = ''

beforeAll(async () => {
  if (!existsSync(PROMETHEUS)) throw new Error('prometheus is not installed: run scripts/install-system-deps.sh')
  exporterPort = await freePort()
  const promPort = await freePort()
  dir = tempFiles({
    'prometheus.yml': `global: { scrape_interval: 1s, scrape_timeout: 900ms }
scrape_configs:
  - job_name: hx-load
    static_configs: [{ targets: ["127.0.0.1:${exporterPort}"] }]
`,
  })
  promUrl = `http://127.0.0.1:${promPort}`
  prom = spawn(PROMETHEUS, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn'], { stdio: ['ignore', 'ignore', 'pipe'] })
  let log = ''
  prom.stderr!.on('data', (d: Buffer) => { log += d.toString() })
  await until(`Prometheus ready (${log})`, 30_000, async () => ((await fetch(`${promUrl}/-/ready`)).ok ? true : undefined))
  // Ready is not scraping yet: wait until the scrape loop for the exporter's address has run once
  // (the exporter is not up yet, so that scrape failed), so a short run is scraped while it runs
  // and the exporter lingers for the final scrape (it lingers only for a scraper it has seen).
  await until('Prometheus scraping the exporter address', 30_000, async () => {
    const body = (await (await fetch(`${promUrl}/api/v1/targets`)).json()) as { data: { activeTargets: { scrapeUrl: string; lastScrape: string }[] } }
    const target = body.data.activeTargets.find((t) => t.scrapeUrl.includes(`:${exporterPort}/`))
    return target && !target.lastScrape.startsWith('0001-') ? true : undefined
  })
}, 40_000)

afterAll(() => { prom?.kill('SIGTERM') })

async function promql(query: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(query)}`)
  const body = (await res.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } }
  expect(body.status).toBe('success')
  return body.data.result
}

describe('load --prometheus', () => {
  it('Prometheus scraping a two-worker run holds the same counts as the report', async () => {
    const files = tempFiles({
      'load.yaml': `id: prom-live
title: live metrics against a real Prometheus
devices: { count: 40, connectRate: 1000/s, behaviours: [{ share: 0.25, puback: never }] }
stages: [{ stage: steady, duration: 3s, rate: 60/s }]
directMessage: { confirmation: true, timeout: 1 }
drain: 0
thresholds: ["rate(504) < 0.5"]
`,
    })
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    const code = await main(['load', join(files, 'load.yaml'), '--workers', '2', '--shard', '1/1', '--run-id', 'promtest', '--prometheus', `127.0.0.1:${exporterPort}`, '--prometheus-linger', '15s', '--out', join(files, 'out'), '--no-progress'])
    vi.restoreAllMocks()
    expect(code).toBe(0)
    const r = loadReportSchema.parse(JSON.parse(readFileSync(join(files, 'out', 'load-report.json'), 'utf8')))
    const dm = r.dm!
    expect(dm.planned).toBe(180)
    expect(dm.buckets['504']).toBeGreaterThan(0)

    // last_over_time: the exporter is gone, so the series are stale at "now"; their last samples are what counts.
    const sel = '{job="hx-load",run="promtest",scenario="prom-live",shard="1/1"}'
    const one = async (metric: string) => Number((await promql(`last_over_time(${metric}${sel}[10m])`))[0]?.value[1])
    expect(await one('hx_load_planned_total')).toBe(dm.planned)
    expect(await one('hx_load_sent_total')).toBe(dm.sent)
    expect(await one('hx_load_not_sent_total')).toBe(dm.buckets.notSent)
    expect(await one('hx_load_received_total')).toBe(dm.receipts.received)
    expect(await one('hx_load_devices')).toBe(r.fleet.devices)
    const outcomes = Object.fromEntries((await promql(`last_over_time(hx_load_outcomes_total${sel}[10m])`)).map((s) => [s.metric.outcome, Number(s.value[1])]))
    const booked = Object.fromEntries(Object.entries(dm.buckets).filter(([b, n]) => b !== 'notSent' && n > 0))
    expect(outcomes).toEqual(booked)
    // The latency histogram: one sample per settled request, as the report's due → outcome histogram.
    expect(await one('hx_load_latency_seconds_count')).toBe(dm.latency.response.count)
    const under = Number((await promql(`last_over_time(hx_load_latency_seconds_bucket{job="hx-load",run="promtest",le="0.5"}[10m])`))[0]?.value[1])
    // The 504s waited out the 1 s API timeout: none of them is under 0.5 s.
    expect(under).toBeLessThanOrEqual(dm.buckets['200'])
    expect(await one('hx_load_latency_seconds_count') - under).toBeGreaterThanOrEqual(dm.buckets['504'])
    const phases = Object.fromEntries((await promql(`last_over_time(hx_load_phase${sel}[10m])`)).map((x) => [x.metric.phase, Number(x.value[1])]))
    expect(phases).toEqual({ connecting: 0, running: 0, draining: 0, 'closed-loop': 0, done: 1 })
  }, 60_000)
})
