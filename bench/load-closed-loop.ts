/**
 * Closed-loop peak throughput: the harness's clients against raw autocannon
 * on the same endpoint, same run, alternating rounds. Prints requests/s for
 * each and the ratios (target: harness / raw autocannon >= 0.9).
 *
 *   npx tsx bench/load-closed-loop.ts [--seconds 5] [--rounds 3] [--connections 32]
 *
 * The endpoint is a minimal SendDirectMessage look-alike (200 {message,
 * traceId}) in a child process, so the server's CPU is not the generator's.
 * - raw autocannon: one fixed request, nothing computed per request;
 * - harness/autocannon: the load runner's closed-loop phase, a fresh
 *   SendDirectMessage request per call (path, correlation header, payload);
 * - harness/undici: the same request mix on the open-model driver's client.
 * - harness/open-model: the open-model driver itself (scheduler, DM driver,
 *   ledger and per-second series, as a load run uses them) at saturation: a
 *   plan far above what the endpoint can take, maxLag long enough that no
 *   request is skipped, so it sends as fast as connections free up; its
 *   rate is the 200s it booked per second.
 */
import { spawn } from 'node:child_process'
import autocannon from 'autocannon'
import { runAutocannonClosedLoop, runUndiciClosedLoop } from '../runners/load/closed-loop.js'
import { createDmRequestFactory, createDmWireFactory } from '../runners/load/dm-request.js'
import { createDmDriver } from '../runners/load/dm-driver.js'
import { DmLedger } from '../runners/load/dm-ledger.js'
import { SeriesRecorder } from '../runners/load/series-recorder.js'
import { createArrivalPlan, planStages } from '../runners/load/arrival-plan.js'
import { createOpenModelScheduler } from '../runners/load/open-model-scheduler.js'

const args = process.argv.slice(2)
const opt = (name: string, def: number) => { const i = args.indexOf(`--${name}`); return i >= 0 ? Number(args[i + 1]) : def }
const SECONDS = opt('seconds', 5)
const ROUNDS = opt('rounds', 3)
const CONNECTIONS = opt('connections', 32)
// --only NAME: run one client (for node --cpu-prof)
const ONLY = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined

const SERVER = `
const http = require('node:http')
let n = 0
const s = http.createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"message":"OK","traceId":"' + (++n) + '"}') }) })
s.keepAliveTimeout = 60000
s.listen(0, '127.0.0.1', () => process.stdout.write('PORT ' + s.address().port + '\\n'))
`
const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] })
// The server dies with this process, however it ends.
process.on('exit', () => child.kill())
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130))
const port = await new Promise<number>((resolve, reject) => {
  const t = setTimeout(() => reject(new Error('server did not start')), 10_000)
  child.stdout!.on('data', (d: Buffer) => { const m = /PORT (\d+)/.exec(d.toString()); if (m) { clearTimeout(t); resolve(Number(m[1])) } })
})
const url = `http://127.0.0.1:${port}`
const requestOptions = { httpUrl: url, runId: 'bench', dm: { topic: 'hx/load/${run}/${device}', confirmation: true, timeout: 5, payloadBytes: 128 } }
const make = createDmRequestFactory(requestOptions)
const makeWire = createDmWireFactory(requestOptions)
let seq = 0
const next = () => make(`device-${seq % 2000}`, { run: 'bench', slice: 0, seq: seq++ })
const fixed = next()

/** CPU (µs) of the last run's measured window, when the run knows it better than its whole call. */
let windowCpuUs: number | undefined
const runs = {
  'raw autocannon': async () => {
    const r = await autocannon({ url, connections: CONNECTIONS, pipelining: 1, duration: SECONDS, method: 'POST', path: fixed.path, headers: fixed.headers, body: fixed.body })
    return r.requests.total / r.duration
  },
  'harness/autocannon': async () => (await runAutocannonClosedLoop({ url, connections: CONNECTIONS, durationMs: SECONDS * 1000, next })).throughputPerSecond,
  'harness/undici': async () => (await runUndiciClosedLoop({ url, connections: CONNECTIONS, durationMs: SECONDS * 1000, next })).throughputPerSecond,
  'harness/open-model': async () => {
    const series = new SeriesRecorder(performance.now())
    const ledger = new DmLedger({ confirmation: true, series })
    const driver = createDmDriver({ httpUrl: url, connections: CONNECTIONS, clientTimeoutMs: 10_000, ledger, build: (s, d) => makeWire(`device-${d}`, { run: 'bench', slice: 0, seq: s }), selectDevice: () => seq++ % 2000 })
    // 200,000/s planned: far above loopback; requests wait for a free connection (maxLag 10 min: none skipped).
    const plan = createArrivalPlan(planStages([{ stage: 'steady', duration: SECONDS * 1000, rate: 200_000 }]), { arrival: 'constant', seed: 1, slice: { index: 0, count: 1 } })
    // At the window's end the queue still holds the plan's excess (most of it): it is skipped at once
    // instead of being sent, so the round ends with the window.
    let over = false
    const hooks = {
      ...driver.hooks,
      hasCapacity: () => over || driver.hooks.hasCapacity(),
      fire: (s: number, due: number, lag: number) => (over ? driver.hooks.skip(s, due, 'saturated') : driver.hooks.fire(s, due, lag)),
    }
    const scheduler = createOpenModelScheduler({ plan, maxLagMs: 600_000 }, hooks)
    driver.onRelease(() => scheduler.release())
    const t0 = performance.now()
    const cpu0 = process.cpuUsage()
    const ran = scheduler.run()
    await new Promise((r) => setTimeout(r, SECONDS * 1000))
    // Count what completed within the window, and the CPU it took (not the skipping of the excess after it).
    const done = ledger.snapshot().buckets['200']
    const rate = done / ((performance.now() - t0) / 1000)
    const cpu = process.cpuUsage(cpu0)
    windowCpuUs = cpu.user + cpu.system
    over = true
    scheduler.stop()
    await ran
    await driver.drain()
    await driver.close()
    series.finish()
    return rate
  },
}
type Name = keyof typeof runs
const results = Object.fromEntries(Object.keys(runs).map((k) => [k, [] as number[]])) as Record<Name, number[]>
const cpuPerRequest = Object.fromEntries(Object.keys(runs).map((k) => [k, [] as number[]])) as Record<Name, number[]>
try {
  const names = (Object.keys(runs) as Name[]).filter((n) => !ONLY || n === ONLY || n === 'raw autocannon')
  for (let r = 0; r < ROUNDS; r++) {
    for (const name of r % 2 === 0 ? names : [...names].reverse()) {
      const cpu0 = process.cpuUsage()
      windowCpuUs = undefined
      const rate = await runs[name]()
      const whole = process.cpuUsage(cpu0)
      const cpu = windowCpuUs !== undefined ? { user: windowCpuUs, system: 0 } : whole
      results[name].push(rate)
      // CPU per request (this process: the client; the server is a child): contention on a shared
      // machine moves req/s a lot, CPU per request much less.
      const us = (cpu.user + cpu.system) / Math.max(1, rate * SECONDS)
      cpuPerRequest[name].push(us)
      process.stdout.write(`round ${r + 1} ${name.padEnd(19)} ${rate.toFixed(0)} req/s  ${us.toFixed(1)} µs CPU/request\n`)
    }
  }
} finally {
  child.kill()
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const ratio = (name: Name) => (results[name].length ? median(results[name].map((x, i) => x / results['raw autocannon'][i]!)) : NaN)
process.stdout.write(`\nclosed loop, ${CONNECTIONS} connections, ${SECONDS} s x ${ROUNDS} rounds (medians)\n`)
for (const name of (Object.keys(results) as Name[]).filter((n) => results[n].length)) process.stdout.write(`${name.padEnd(19)} ${median(results[name]).toFixed(0)} req/s\n`)
for (const name of (['harness/autocannon', 'harness/undici', 'harness/open-model'] as Name[]).filter((n) => results[n].length)) {
  const x = ratio(name)
  process.stdout.write(`ratio ${name} / raw autocannon ${x.toFixed(2)} (target >= 0.90: ${x >= 0.9 ? 'met' : 'NOT met'})\n`)
}
process.stdout.write('CPU per request (medians): ' + (Object.keys(cpuPerRequest) as Name[]).filter((n) => cpuPerRequest[n].length).map((n) => `${n} ${median(cpuPerRequest[n]).toFixed(1)} µs`).join(', ') + '\n')
for (const name of (['harness/autocannon', 'harness/undici', 'harness/open-model'] as Name[]).filter((n) => cpuPerRequest[n].length)) {
  process.stdout.write(`requests per CPU-second, ${name} / raw autocannon ${(median(cpuPerRequest['raw autocannon']) / median(cpuPerRequest[name])).toFixed(2)}\n`)
}
