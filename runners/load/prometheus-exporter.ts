import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { Counter, Gauge, Registry, type Metric } from 'prom-client'
import type { LoadAbort, LoadMode } from '../../spec/index.js'
import { LIVE_LATENCY_BOUNDS_MS } from './live-latency.js'
import type { LoadProgress } from './load-progress.js'

export interface PrometheusExporterOptions {
  host: string
  /** 0: any free port (see `url`). */
  port: number
  /** This process's shard (`1/4`), a label on every series. */
  shard: string
}

const PHASES = ['connecting', 'running', 'draining', 'closed-loop', 'done'] as const

/**
 * Live metrics for Prometheus to scrape (`--prometheus [host:]port`, path
 * /metrics): counters of planned, sent, not-sent requests and of outcomes by
 * bucket, a latency histogram in fixed buckets, and fleet gauges, each
 * labelled with the run, scenario and shard. Values are this process's
 * running totals (all its worker slices), taken from the progress every
 * slice posts once a second; the final totals equal the report's counts.
 * A scrape endpoint rather than remote write: no protobuf/snappy client, no
 * push credentials in the pods, and Kubernetes service discovery finds each
 * shard's pod by its annotations.
 */
export async function startPrometheusExporter(opts: PrometheusExporterOptions) {
  const registry = new Registry()
  registry.setDefaultLabels({ shard: opts.shard })
  let series = 'response'
  let latest: LoadProgress | undefined
  let aborted: LoadAbort | undefined
  const gauge = (name: string, help: string, value: (p: LoadProgress) => number) =>
    new Gauge({ name, help, registers: [registry], collect() { if (latest) this.set(value(latest)) } })
  const counter = (name: string, help: string, value: (p: LoadProgress) => number) =>
    new Counter({ name, help, registers: [registry], collect() { this.reset(); if (latest) this.inc(value(latest)) } })
  counter('hx_load_planned_total', 'Requests (or publishes) whose due time came', (p) => p.planned)
  counter('hx_load_sent_total', 'Requests (or publishes) sent', (p) => p.sent)
  counter('hx_load_not_sent_total', 'Planned but not sent (generator behind or no free connection within maxLag)', (p) => p.notSent)
  counter('hx_load_received_total', 'Messages the simulated devices received and matched to a request (or publish)', (p) => p.received)
  new Counter({
    name: 'hx_load_outcomes_total', help: 'Completed requests by outcome bucket (200, 504, 404, 429, otherStatus, clientTimeout, connectionError) or pub/sub deliveries (received)',
    labelNames: ['outcome'], registers: [registry],
    collect() {
      this.reset()
      for (const [outcome, n] of Object.entries(latest?.outcomes ?? {})) this.inc({ outcome }, n)
    },
  })
  gauge('hx_load_devices', 'Simulated devices (publishers and subscribers in pub/sub load)', (p) => p.devices)
  gauge('hx_load_devices_connected', 'Simulated devices connected now', (p) => p.connected)
  gauge('hx_load_in_flight', 'Requests (or QoS 1 publishes) awaiting their answer', (p) => p.inFlight)
  new Gauge({
    name: 'hx_load_phase', help: 'The run phase (1 for the current one)', labelNames: ['phase'], registers: [registry],
    collect() { for (const phase of PHASES) this.set({ phase }, latest?.phase === phase ? 1 : 0) },
  })
  new Gauge({
    name: 'hx_load_aborted', help: '1 once an abortOnFail threshold stopped the run (label: the threshold)', labelNames: ['threshold'], registers: [registry],
    collect() { this.reset(); this.set({ threshold: aborted?.threshold ?? '' }, aborted ? 1 : 0) },
  })
  // prom-client's Histogram only observes single values; the slices hand over bucket counts, so this one exposes them as they are.
  const name = 'hx_load_latency_seconds'
  const histogram = {
    name, help: 'Latency from the due time: DM due → outcome (series="response"), pub/sub publish due → receipt (series="pubsub")',
    type: 'histogram', aggregator: 'sum',
    get() {
      const l = latest?.latency
      const labels = { series }
      let cumulative = 0
      const values = LIVE_LATENCY_BOUNDS_MS.map((b, i) => {
        cumulative += l?.counts[i] ?? 0
        return { metricName: `${name}_bucket`, labels: { ...labels, le: b / 1000 }, value: cumulative }
      })
      values.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' as unknown as number }, value: l?.count ?? 0 })
      return {
        name, help: histogram.help, type: 'histogram', aggregator: 'sum',
        values: [...values, { metricName: `${name}_sum`, labels, value: (l?.sumMs ?? 0) / 1000 }, { metricName: `${name}_count`, labels, value: l?.count ?? 0 }],
      }
    },
    reset() {},
  }
  registry.registerMetric(histogram as unknown as Metric)

  let scrapes = 0
  let finalWaiters: (() => void)[] = []
  let finalAt = Infinity
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || !req.url?.startsWith('/metrics')) { res.writeHead(404).end('see /metrics\n'); return }
    const startedAt = performance.now()
    registry.metrics().then((text) => {
      res.writeHead(200, { 'content-type': registry.contentType }).end(text)
      scrapes++
      if (startedAt >= finalAt) { const w = finalWaiters; finalWaiters = []; for (const f of w) f() }
    }, (err: Error) => res.writeHead(500).end(err.message))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port, opts.host, () => resolve())
  })
  const addr = server.address() as AddressInfo
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address
  return {
    url: `http://${host}:${addr.port}/metrics`,
    /** Once the scenario is loaded: the run id and scenario id labels, and which latency the histogram holds. */
    describe(run: string, scenario: string, mode: LoadMode) {
      registry.setDefaultLabels({ run, scenario, shard: opts.shard })
      series = mode === 'pubsub' ? 'pubsub' : 'response'
    },
    /** The latest totals (each slice's progress, added up). */
    update(p: LoadProgress) { latest = p },
    abort(a: LoadAbort) { aborted ??= a },
    /**
     * After the run: keeps serving until a scrape that started after the
     * final totals were in, so Prometheus holds the same counts as the
     * report; at most `lingerMs`, and not at all when nothing ever scraped.
     */
    async lingerForFinalScrape(lingerMs: number): Promise<boolean> {
      if (scrapes === 0 || lingerMs <= 0) return false
      finalAt = performance.now()
      let timer: NodeJS.Timeout | undefined
      const got = await Promise.race([
        new Promise<boolean>((r) => finalWaiters.push(() => r(true))),
        new Promise<boolean>((r) => { timer = setTimeout(() => r(false), lingerMs) }),
      ])
      clearTimeout(timer)
      return got
    },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()) }),
  }
}

export type PrometheusExporter = Awaited<ReturnType<typeof startPrometheusExporter>>

/** `--prometheus`: `9464`, `127.0.0.1:9464`, `0.0.0.0:9464` or `[::]:9464`. */
export function parseListenAddress(value: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([^\]]+)\]:|([^:]+):)?(\d{1,5})$/.exec(value.trim())
  if (!m) return undefined
  const port = Number(m[3])
  if (port > 65535) return undefined
  return { host: m[1] ?? m[2] ?? '127.0.0.1', port }
}
