/**
 * SendDirectMessage throughput with delivery confirmation, against a bare Node
 * HTTP server, measured in the same run with the same load generator.
 *
 *   npx tsx bench/direct-message-throughput.ts [--seconds 3] [--rounds 3] [--connections 32]
 *
 * DM side: the reference broker (child process) with one connected MQTT.js
 * receiver (its own child process, as a device would be) that PUBACKs at
 * once; autocannon POSTs
 * /connections/{id}/messages?topic=bench/t&confirmation=true, so every 200 is a
 * PUBACK round trip. The receiver connection's 100 publishes/s quota and the
 * account request rate would cap this at 100/s, so the broker runs with the
 * profile override mqtt.publishesPerSecondPerConnection: 0 and
 * http.directMessage.requestsPerSecond: 0 (both unlimited).
 * Bare side: a Node http server (child process) answering 200 with a small JSON body.
 * Both: autocannon 9, same connections, duration and body, closed loop,
 * ignoreCoordinatedOmission: true (its correction assumes a 1 ms interval, so
 * its corrected percentiles would be wrong). Rounds alternate so machine noise
 * hits both; the ratio is the median of per-round ratios (target >= 0.6).
 * Each round also prints the CPU time (user + system, asked of each child with
 * SIGUSR2) the serving processes spent per 200: on a machine shared with other
 * jobs req/s swings several-fold between rounds, CPU per request much less, so
 * it is the figure to compare two versions of the broker by.
 * Loopback only; every round is bounded.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import http from 'node:http'
import { randomUUID } from 'node:crypto'
import { createRequire } from 'node:module'
import mqtt from 'mqtt'

interface AutocannonResult {
  requests: { average: number; total: number }
  latency: { p50: number; p90: number; p99: number; max: number; average: number }
  duration: number
  non2xx: number
  errors: number
  timeouts: number
  '2xx': number
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon

const args = process.argv.slice(2)
const opt = (name: string, def: number) => { const i = args.indexOf(`--${name}`); return i >= 0 ? Number(args[i + 1]) : def }
const SECONDS = opt('seconds', 3)
const ROUNDS = opt('rounds', 3)
const CONNECTIONS = opt('connections', 32)
const BODY = JSON.stringify({ action: 'reboot', seq: 1 })
const RECEIVER = 'bench-receiver'
const UNREACHABLE_RATE = 10_000_000

// ---- child processes: the servers under test and the receiving device ----------------------

/** On SIGUSR2 a child prints `CPU <µs>`: its user + system CPU time so far, for the parent's per-round CPU cost. */
function reportCpuOnSignal(): void {
  process.on('SIGUSR2', () => {
    const u = process.cpuUsage()
    process.stdout.write(`CPU ${u.user + u.system}\n`)
  })
}

/** The device: connects, PUBACKs every QoS 1 message at once (MQTT.js default), reports its count on SIGTERM. */
async function receive(mqttPort: number): Promise<void> {
  reportCpuOnSignal()
  const c = mqtt.connect(`mqtt://127.0.0.1:${mqttPort}`, { clientId: RECEIVER, reconnectPeriod: 0, protocolVersion: 5 })
  let received = 0
  c.on('message', () => { received++ })
  c.once('connect', () => process.stdout.write('READY\n'))
  process.once('SIGTERM', () => {
    c.end(true)
    process.stdout.write(`RECEIVED ${received}\n`, () => process.exit(0))
  })
}

async function serve(kind: string): Promise<void> {
  // A clean exit on SIGTERM, so --cpu-prof writes its profile.
  process.once('SIGTERM', () => process.exit(0))
  reportCpuOnSignal()
  if (kind === 'bare') {
    const server = http.createServer((req, res) => {
      req.resume()
      req.on('end', () => {
        const body = JSON.stringify({ message: 'OK', traceId: randomUUID() })
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
        res.end(body)
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    process.stdout.write(`PORTS 0 ${(server.address() as { port: number }).port}\n`)
    return
  }
  const { startReferenceBroker } = await import('../reference-broker/index.js')
  const b = await startReferenceBroker({
    wsPort: false,
    logLevel: 'silent',
    overrides: { mqtt: { publishesPerSecondPerConnection: 0 }, http: { directMessage: { requestsPerSecond: 0 } } },
  })
  process.stdout.write(`PORTS ${b.ports.mqtt} ${b.ports.http}\n`)
}

// ---- parent: load generator, receiver and report ------------------------------------------

/** Starts this file as a child in another role and waits for the stdout line matching `ready`. */
function child(role: string[], ready: RegExp, what: string): Promise<{ match: RegExpExecArray; child: ChildProcess }> {
  // HX_CPU_PROF=DIR: profile the servers and the receiver (node --cpu-prof), e.g. the broker's HTTP → MQTT → PUBACK → HTTP path.
  // Its samples are wall time: a process descheduled inside a syscall (writev waking the peer on a
  // busy machine) has that wait charged to the syscall; `perf record -p` on the child shows CPU.
  const prof = process.env.HX_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.HX_CPU_PROF}`] : []
  const c = spawn(process.execPath, [...prof, '--import', 'tsx', import.meta.filename, ...role], { stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { c.kill(); reject(new Error(`${what} did not start in 20 s`)) }, 20_000)
    c.stdout!.on('data', (d: Buffer) => {
      const m = ready.exec(d.toString())
      if (m) { clearTimeout(t); resolve({ match: m, child: c }) }
    })
  })
}

async function startServer(kind: 'bare' | 'dm'): Promise<{ mqttPort: number; httpPort: number; child: ChildProcess }> {
  const { match, child: c } = await child(['--serve', kind], /PORTS (\d+) (\d+)/, `${kind} server`)
  return { mqttPort: Number(match[1]), httpPort: Number(match[2]), child: c }
}

/** A child's CPU time so far (µs), asked for with SIGUSR2 (NaN if it does not answer within 5 s). */
function cpuOf(c: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    const onData = (d: Buffer) => {
      const m = /CPU (\d+)/.exec(d.toString())
      if (m) { clearTimeout(t); c.stdout!.off('data', onData); resolve(Number(m[1])) }
    }
    const t = setTimeout(() => { c.stdout!.off('data', onData); resolve(NaN) }, 5000)
    c.stdout!.on('data', onData)
    c.kill('SIGUSR2')
  })
}

/** Stops the receiver and returns how many PUBLISHes it got. */
function stopReceiver(c: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    const t = setTimeout(() => { c.kill('SIGKILL'); resolve(NaN) }, 5000)
    c.stdout!.on('data', (d: Buffer) => {
      const m = /RECEIVED (\d+)/.exec(d.toString())
      if (m) { clearTimeout(t); resolve(Number(m[1])) }
    })
    c.kill('SIGTERM')
  })
}

async function round(port: number, path: string): Promise<AutocannonResult> {
  return autocannon({
    url: `http://127.0.0.1:${port}${path}`,
    method: 'POST',
    body: BODY,
    headers: { 'content-type': 'application/json' },
    connections: CONNECTIONS,
    duration: SECONDS,
    // autocannon accepts ignoreCoordinatedOmission only with a rate; this budget is far above
    // what loopback reaches, so the loop stays closed (each connection waits for its reply).
    overallRate: UNREACHABLE_RATE,
    ignoreCoordinatedOmission: true,
  })
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}
const perSecond = (r: AutocannonResult) => r['2xx'] / r.duration
const ms = (x: number) => `${x.toFixed(2)} ms`

async function main(): Promise<void> {
  const bare = await startServer('bare')
  const dm = await startServer('dm')
  const receiver = (await child(['--receive', String(dm.mqttPort)], /READY/, 'receiver')).child
  let received = NaN
  const dmPath = `/connections/${RECEIVER}/messages?topic=bench%2Ft&confirmation=true&timeout=5`
  const results = { bare: [] as AutocannonResult[], dm: [] as AutocannonResult[] }
  // CPU time (µs) per 200 of each process serving a round: the servers' cost per request, which
  // unlike req/s hardly depends on what else the machine runs.
  const cpu = { bare: [] as number[], dm: [] as number[], receiver: [] as number[] }
  let dm200 = 0
  try {
    dm200 += (await round(dm.httpPort, dmPath))['2xx'] // warm-up (JIT, connection pools): not measured, but its deliveries count
    await round(bare.httpPort, '/')
    for (let r = 0; r < ROUNDS; r++) {
      for (const kind of (r % 2 === 0 ? ['bare', 'dm'] : ['dm', 'bare']) as ('bare' | 'dm')[]) {
        const server = kind === 'dm' ? dm.child : bare.child
        const before = [await cpuOf(server), kind === 'dm' ? await cpuOf(receiver) : 0]
        const res = kind === 'dm' ? await round(dm.httpPort, dmPath) : await round(bare.httpPort, '/')
        const after = [await cpuOf(server), kind === 'dm' ? await cpuOf(receiver) : 0]
        const perRequest = (i: number) => (after[i]! - before[i]!) / Math.max(1, res['2xx'])
        if (kind === 'dm') dm200 += res['2xx']
        results[kind].push(res)
        cpu[kind].push(perRequest(0))
        if (kind === 'dm') cpu.receiver.push(perRequest(1))
        const busy = (after[0]! - before[0]!) / 1000 / (res.duration * 1000)
        process.stdout.write(`round ${r + 1} ${kind === 'dm' ? 'SendDirectMessage' : 'bare http       '} ${perSecond(res).toFixed(0)} req/s  p50 ${ms(res.latency.p50)}  p99 ${ms(res.latency.p99)}  non-2xx ${res.non2xx}  errors ${res.errors}  server CPU ${perRequest(0).toFixed(1)} µs/req (busy ${(busy * 100).toFixed(0)} %)${kind === 'dm' ? `  receiver CPU ${perRequest(1).toFixed(1)} µs/req` : ''}\n`)
      }
    }
  } finally {
    received = await stopReceiver(receiver)
    bare.child.kill()
    dm.child.kill()
  }
  const ratio = median(results.dm.map((d, i) => perSecond(d) / perSecond(results.bare[i]!)))
  const line = (name: string, rs: AutocannonResult[]) => {
    const best = rs.reduce((a, b) => (perSecond(b) > perSecond(a) ? b : a))
    return `${name} ${median(rs.map(perSecond)).toFixed(0).padStart(7)} req/s   latency p50 ${ms(median(rs.map((r) => r.latency.p50)))}  p90 ${ms(median(rs.map((r) => r.latency.p90)))}  p99 ${ms(median(rs.map((r) => r.latency.p99)))}  max ${ms(best.latency.max)}`
  }
  process.stdout.write(`\nautocannon 9: ${CONNECTIONS} connections, ${SECONDS} s x ${ROUNDS} rounds each, closed loop (overallRate ${UNREACHABLE_RATE}/s, never reached), ignoreCoordinatedOmission: true (medians)\n`)
  process.stdout.write('broker profile overrides: mqtt.publishesPerSecondPerConnection=0, http.directMessage.requestsPerSecond=0 (the 100 publishes/s receiver quota would cap the DM rate)\n')
  process.stdout.write(line('bare http         ', results.bare) + '\n')
  process.stdout.write(line('SendDirectMessage ', results.dm) + '  (confirmation=true: each 200 waited for a PUBACK)\n')
  process.stdout.write(`CPU per 200 (medians): bare server ${median(cpu.bare).toFixed(1)} µs, broker ${median(cpu.dm).toFixed(1)} µs, receiver ${median(cpu.receiver).toFixed(1)} µs\n`)
  process.stdout.write(`server CPU per 200, bare / broker ${(median(cpu.bare) / median(cpu.dm)).toFixed(2)} (the broker's own cost, less sensitive to the machine's other load than req/s)\n`)
  process.stdout.write(`receiver got ${received} PUBLISHes for ${dm200} HTTP 200s over all DM rounds (a 200 implies a delivery, so >= is expected)\n`)
  process.stdout.write(`ratio DM/bare (median of per-round ratios) ${ratio.toFixed(2)} (target >= 0.60: ${ratio >= 0.6 ? 'met' : 'NOT met'})\n`)
}

const serveAt = args.indexOf('--serve')
const receiveAt = args.indexOf('--receive')
if (serveAt >= 0) await serve(args[serveAt + 1] ?? 'dm')
else if (receiveAt >= 0) await receive(Number(args[receiveAt + 1]))
else await main()
