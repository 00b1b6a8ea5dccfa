/**
 * Slow readers: subscribers that stop reading must not hurt anybody else, must
 * be cut off, and the memory they cost must be bounded and given back.
 *
 *   npm run bench:slow-readers -- [--slow 200] [--publishers 10] [--megabytes 50] [--size 32768] [--rate 15] [--settle 30] [--gc-check]
 *
 * One reference broker (aws-iot-core profile, quotas as shipped: no override)
 * runs in a child process (bench/slow-readers-broker.ts) so its RSS can be read
 * from /proc/PID/status (VmRSS) every 250 ms; it logs at `info`, as
 * `mqtt-harness broker --verbose`, and this process counts the lines.
 *
 * 1. Baseline: a healthy pair (a QoS 0 publisher sending 20 timestamped
 *    messages/s on `healthy/t`, a subscriber that reads) for 5 s alone.
 * 2. Load: `--slow` raw subscribers connect, subscribe to `load/#` and stop
 *    reading (socket paused); `--publishers` publishers send `--megabytes` MiB
 *    in `--size`-byte QoS 0 messages to `load/<n>`, each at `--rate` messages/s.
 *    15 x 32 KiB = 480 KiB/s per publisher, under AWS's 512 KiB/s and
 *    100 publishes/s per connection quotas [LIM-THROUGHPUT-512KIB]
 *    [LIM-PUB-RATE-100], so the profile is not changed: 10 publishers send
 *    50 MiB in about 11 s. The healthy pair keeps running; its latency is
 *    measured again.
 * 3. Recovery: once every non-reader is cut off (or after 60 s, when this
 *    closes the rest itself and says so), `--settle` seconds more, then RSS and
 *    heapUsed are read again.
 *
 * Prints the healthy pair's p50/p99 latency with and without the load (same
 * run) and their ratio, the broker's RSS before/peak/after, heapUsed, how many
 * non-readers were cut off and with which logged reason, how many log lines
 * the load cost, and the broker's CPU seconds (user + system, /proc/PID/stat)
 * from the non-readers' arrival to their cut-off with the machine's load
 * average: on a shared machine the latency figures depend on that load, the
 * CPU seconds much less. Every phase is bounded; loopback only. `--gc-check` (diagnostic only: the
 * broker never forces a GC itself) forces one in the broker at the end and reports the memory
 * again, to tell garbage not yet collected from memory still referenced.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadavg } from 'node:os'
import { RawConn } from './raw-conn.js'

const args = process.argv.slice(2)
const opt = (name: string, def: number) => { const i = args.indexOf(`--${name}`); return i >= 0 ? Number(args[i + 1]) : def }
const SLOW = opt('slow', 200)
const PUBLISHERS = opt('publishers', 10)
const MEGABYTES = opt('megabytes', 50)
const SIZE = opt('size', 32768)
const RATE = opt('rate', 15)
const SETTLE_S = opt('settle', 30)
const GC_CHECK = args.includes('--gc-check')
const BASELINE_MS = 5000
const CUTOFF_DEADLINE_MS = 60_000
const HEALTHY_INTERVAL_MS = 50

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const MiB = (n: number) => (n / 1048576).toFixed(0).padStart(4) + ' MiB'

interface BrokerChild { child: ChildProcess; port: number; held: { socket: number; paced: number; heldFifo: number; total: number }; heldPeak: { socket: number; paced: number; heldFifo: number; total: number }; heap: { used: number; external: number; arrayBuffers: number; total: number }; log: Record<string, any>[]; logLines: number }

function startBroker(): Promise<BrokerChild> {
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : []
  const child = spawn(process.execPath, [...prof, ...(GC_CHECK ? ['--expose-gc'] : []), '--import', 'tsx', join(import.meta.dirname, 'slow-readers-broker.ts')], { stdio: ['ignore', 'pipe', 'pipe'] })
  const zero = { socket: 0, paced: 0, heldFifo: 0, total: 0 }
  const b: BrokerChild = { child, port: 0, held: zero, heldPeak: zero, heap: { used: 0, external: 0, arrayBuffers: 0, total: 0 }, log: [], logLines: 0 }
  let errRest = ''
  child.stderr!.on('data', (d: Buffer) => {
    const lines = (errRest + d.toString()).split('\n')
    errRest = lines.pop()!
    for (const line of lines) {
      if (!line.trim()) continue
      b.logLines++
      try {
        const j = JSON.parse(line)
        // Keep only what is reported (the load's drop lines would otherwise fill this process).
        if (j.event === 'disconnect' || j.event === 'rejected' || j.event === 'drop') b.log.push({ event: j.event, clientId: j.clientId, reason: j.reason, count: j.count, time: j.time })
      } catch { process.stderr.write(line + '\n') }
    }
  })
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { child.kill(); reject(new Error('broker did not start in 20 s')) }, 20_000)
    let outRest = ''
    child.stdout!.on('data', (d: Buffer) => {
      const lines = (outRest + d.toString()).split('\n')
      outRest = lines.pop()!
      for (const line of lines) {
        const port = /^PORT (\d+)/.exec(line)
        if (port) { b.port = Number(port[1]); clearTimeout(t); resolve(b) }
        const mem = /^MEM (\d+) (\d+) (\d+) (\d+)/.exec(line)
        const held = /^HELD (\d+) (\d+) (\d+)/.exec(line)
        if (held) {
          b.held = { socket: Number(held[1]), paced: Number(held[2]), heldFifo: Number(held[3]), total: Number(held[1]) + Number(held[2]) + Number(held[3]) }
          if (b.held.total > b.heldPeak.total) b.heldPeak = b.held
        }
        if (mem) b.heap = { used: Number(mem[1]), external: Number(mem[2]), arrayBuffers: Number(mem[3]), total: Number(mem[4]) }
      }
    })
  })
}

/** CPU seconds (user, system) the process has used so far, from /proc/PID/stat (clock ticks of 1/100 s). */
function cpuOf(pid: number): { user: number; sys: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')
  return { user: Number(fields[11]) / 100, sys: Number(fields[12]) / 100 }
}

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) * 1024 : 0
}


const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!
}

const broker = await startBroker()
const pid = broker.child.pid!
let rssPeak = 0
const rssTimer = setInterval(() => { rssPeak = Math.max(rssPeak, rssOf(pid)) }, 250)
const conns: RawConn[] = []
try {
  // ---- healthy pair -----------------------------------------------------------------------
  const hsub = new RawConn(broker.port)
  await hsub.connect('healthy-sub')
  await hsub.subscribe('healthy/t')
  let latencies: number[] = []
  let healthyLost = 0
  hsub.onPacket = (p) => { if (p.cmd === 'publish') latencies.push(performance.now() - p.payload.readDoubleLE(0)) }
  const hpub = new RawConn(broker.port)
  await hpub.connect('healthy-pub')
  let healthySent = 0
  const healthyTimer = setInterval(() => {
    const payload = Buffer.alloc(8)
    payload.writeDoubleLE(performance.now())
    hpub.send({ cmd: 'publish', topic: 'healthy/t', payload, qos: 0, retain: false, dup: false })
    healthySent++
  }, HEALTHY_INTERVAL_MS)
  await sleep(BASELINE_MS)
  const baseline = latencies
  healthyLost += healthySent - baseline.length
  latencies = []
  healthySent = 0
  const rssBefore = rssOf(pid)
  const heapBefore = broker.heap.used
  const cpuBefore = cpuOf(pid)

  // ---- non-readers ------------------------------------------------------------------------
  const slow: RawConn[] = []
  for (let i = 0; i < SLOW; i += 20) {
    await Promise.all(Array.from({ length: Math.min(20, SLOW - i) }, async (_, k) => {
      const c = new RawConn(broker.port)
      await c.connect(`slow-${i + k}`)
      await c.subscribe('load/#')
      c.sock.pause() // stops reading: the kernel buffers fill, then the broker's
      slow.push(c)
    }))
  }
  conns.push(...slow)
  const logLinesBeforeLoad = broker.logLines

  // ---- publishers -------------------------------------------------------------------------
  const total = Math.ceil((MEGABYTES * 1048576) / SIZE)
  const loadStart = Date.now()
  const payload = Buffer.alloc(SIZE, 7)
  await Promise.all(Array.from({ length: PUBLISHERS }, async (_, i) => {
    const pub = new RawConn(broker.port)
    conns.push(pub)
    await pub.connect(`load-pub-${i}`)
    const mine = Math.floor(total / PUBLISHERS) + (i < total % PUBLISHERS ? 1 : 0)
    const t0 = Date.now()
    for (let k = 0; k < mine; k++) {
      const due = t0 + (k * 1000) / RATE
      if (due > Date.now()) await sleep(due - Date.now())
      pub.send({ cmd: 'publish', topic: `load/${i}`, payload, qos: 0, retain: false, dup: false })
    }
  }))
  const loadMs = Date.now() - loadStart
  await sleep(1000) // the last messages' latency
  const loaded = latencies
  healthyLost += healthySent - loaded.length
  const logLinesLoad = broker.logLines - logLinesBeforeLoad

  // ---- the non-readers go -----------------------------------------------------------------
  const isSlow = (l: Record<string, any>) => l.event === 'disconnect' && typeof l.clientId === 'string' && l.clientId.startsWith('slow-')
  const deadline = Date.now() + CUTOFF_DEADLINE_MS
  while (broker.log.filter(isSlow).length < SLOW && Date.now() < deadline) await sleep(250)
  const cut = broker.log.filter(isSlow)
  const cutMs = Date.now() - loadStart
  const cpuLoad = cpuOf(pid)
  const reasons = new Map<string, number>()
  for (const l of cut) reasons.set(l.reason, (reasons.get(l.reason) ?? 0) + 1)
  for (const c of slow) c.sock.destroy()
  const goneAt = Date.now()
  await sleep(SETTLE_S * 1000)
  const rssAfter = rssOf(pid)
  const heapAfter = broker.heap
  let gcLine = ''
  if (GC_CHECK) {
    broker.child.kill('SIGUSR2')
    await sleep(1500)
    gcLine = `after a forced GC     (diagnostic only, --gc-check) RSS ${MiB(rssOf(pid))}  heapUsed ${MiB(broker.heap.used)}  heapTotal ${MiB(broker.heap.total)}  external ${MiB(broker.heap.external)}`
  }
  clearInterval(healthyTimer)

  const drops = broker.log.filter((l) => l.event === 'drop')
  const dropped = drops.reduce((n, l) => n + (typeof l.count === 'number' ? l.count : 1), 0)
  const b50 = pct(baseline, 50), b99 = pct(baseline, 99), l50 = pct(loaded, 50), l99 = pct(loaded, 99)
  const out = [
    '',
    `slow readers: ${SLOW} non-reading subscribers to load/#, ${PUBLISHERS} publishers x ${RATE} msg/s, ${total} x ${SIZE} B QoS 0 (${MEGABYTES} MiB) in ${(loadMs / 1000).toFixed(1)} s; profile aws-iot-core unchanged`,
    `healthy pair latency  baseline p50 ${b50.toFixed(1)} ms  p99 ${b99.toFixed(1)} ms  (${baseline.length} msgs)`,
    `                      loaded   p50 ${l50.toFixed(1)} ms  p99 ${l99.toFixed(1)} ms  (${loaded.length} msgs)   p99 ratio ${(l99 / b99).toFixed(1)}x   target p99 < 250 ms: ${l99 < 250 ? 'met' : 'NOT met'}`,
    `                      healthy messages lost: ${healthyLost}`,
    `broker RSS            before ${MiB(rssBefore)}  peak ${MiB(rssPeak)} (target < 400: ${rssPeak < 400 * 1048576 ? 'met' : 'NOT met'})  ${SETTLE_S} s after the non-readers are gone ${MiB(rssAfter)} (target < 250: ${rssAfter < 250 * 1048576 ? 'met' : 'NOT met'})`,
    `broker heapUsed       before ${MiB(heapBefore)}  ${SETTLE_S} s after ${MiB(heapAfter.used)}  (heapTotal ${MiB(heapAfter.total)}, external ${MiB(heapAfter.external)}, arrayBuffers ${MiB(heapAfter.arrayBuffers)})`,
    `waiting for clients   at its peak ${MiB(broker.heldPeak.total)}: socket buffers ${MiB(broker.heldPeak.socket)}, shaper paced ${MiB(broker.heldPeak.paced)}, shaper held ${MiB(broker.heldPeak.heldFifo)}`,
    `broker CPU            ${(cpuLoad.user - cpuBefore.user).toFixed(1)} s user + ${(cpuLoad.sys - cpuBefore.sys).toFixed(1)} s system from the non-readers' arrival to their cut-off (machine load average now ${loadavg()[0]!.toFixed(1)})`,
    `non-readers cut off   ${cut.length} of ${SLOW} within ${(cutMs / 1000).toFixed(1)} s of the load's start; reasons: ${[...reasons].map(([r, n]) => `${r} x${n}`).join(', ') || 'none'}${cut.length < SLOW ? ` (the rest closed by the bench at ${((goneAt - loadStart) / 1000).toFixed(1)} s)` : ''}`,
    ...(gcLine ? [gcLine] : []),
    `log lines             ${logLinesLoad} during the load (${(logLinesLoad / (loadMs / 1000)).toFixed(0)}/s), ${drops.length} of them drop lines covering ${dropped} dropped messages`,
  ]
  process.stdout.write(out.join('\n') + '\n')
} finally {
  clearInterval(rssTimer)
  for (const c of conns) c.sock.destroy()
  broker.child.kill('SIGTERM')
  setTimeout(() => process.exit(0), 500).unref()
}
