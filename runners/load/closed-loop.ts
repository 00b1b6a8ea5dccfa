import autocannon from 'autocannon'
import { Pool } from 'undici'
import type { ClosedLoopResult } from '../../spec/index.js'
import type { DmRequest } from './dm-request.js'

export interface ClosedLoopOptions {
  /** Origin of the HTTP endpoint (`http://127.0.0.1:1234`). */
  url: string
  connections: number
  durationMs: number
  /** A request budget per second (autocannon's overallRate); none = as fast as replies come back. */
  overallRate?: number
  /** The next request of the mix (a fresh correlation id each time). */
  next(): DmRequest
}

/**
 * Distinct requests autocannon cycles through. It builds each request's bytes
 * once unless a `setupRequest` hook rebuilds it per call, which costs it
 * about 40% of its peak; a cycle of pre-built requests keeps the mix (devices,
 * payload size, headers) at raw autocannon speed. Correlation ids repeat
 * every cycle; the closed-loop phase is outside the open-model books.
 */
const CLOSED_LOOP_CYCLE = 256

/**
 * Peak throughput with autocannon: each connection sends its next request
 * when the previous reply arrives (closed loop). autocannon's
 * coordinated-omission correction assumes a 1 ms interval at any rate, so it
 * must never apply: it only runs when a rate is set, and autocannon 9 refuses
 * `ignoreCoordinatedOmission: true` without one ("makes no sense without
 * connectionRate or overallRate"), so the flag goes with a rate and there is
 * none here. The latency is labelled closed-loop: it cannot show queueing;
 * the open-model scheduler measures latency.
 */
export async function runAutocannonClosedLoop(opts: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const r = await autocannon({
    url: opts.url,
    connections: opts.connections,
    pipelining: 1,
    duration: Math.max(1, Math.round(opts.durationMs / 1000)),
    ...(opts.overallRate ? { overallRate: opts.overallRate, ignoreCoordinatedOmission: true } : {}),
    requests: Array.from({ length: CLOSED_LOOP_CYCLE }, () => {
      const n = opts.next()
      return { method: 'POST', path: n.path, headers: n.headers, body: n.body }
    }),
  })
  const statuses: Record<string, number> = {}
  for (const [code, s] of Object.entries(r.statusCodeStats ?? {})) statuses[code] = Number(s.count)
  return {
    model: 'closed-loop',
    tool: opts.overallRate ? `autocannon 9, overallRate ${opts.overallRate}/s, ignoreCoordinatedOmission: true` : 'autocannon 9, no rate (no coordinated-omission correction applied)',
    connections: opts.connections,
    durationMs: r.duration * 1000,
    requests: r.requests.total,
    throughputPerSecond: r.requests.total / Math.max(0.001, r.duration),
    statuses,
    errors: r.errors,
    latency: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max, mean: r.latency.mean },
  }
}

/**
 * The same closed loop on the harness's own undici client: `connections`
 * loops, each sending its next request when the previous one is answered.
 * Used to check the harness's client is not the bottleneck (bench/load-closed-loop.ts).
 */
export async function runUndiciClosedLoop(opts: ClosedLoopOptions): Promise<{ requests: number; durationMs: number; throughputPerSecond: number; errors: number }> {
  const pool = new Pool(opts.url, { connections: opts.connections, pipelining: 1, keepAliveTimeout: 60_000 })
  let requests = 0
  let errors = 0
  const start = performance.now()
  const end = start + opts.durationMs
  const loop = async () => {
    while (performance.now() < end) {
      const n = opts.next()
      try {
        const res = await pool.request({ path: n.path, method: 'POST', headers: n.headers, body: n.body })
        await res.body.dump()
        requests++
      } catch {
        errors++
      }
    }
  }
  await Promise.all(Array.from({ length: opts.connections }, loop))
  const durationMs = performance.now() - start
  await pool.close()
  return { requests, durationMs, throughputPerSecond: requests / (durationMs / 1000), errors }
}
