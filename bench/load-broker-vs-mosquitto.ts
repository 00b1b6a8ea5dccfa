/**
 * QoS 1 pub/sub throughput of the reference broker against mosquitto under
 * the same load, same run, alternating rounds. Prints deliveries per second
 * for each and the ratio reference / mosquitto; then both under the load
 * runner's open-model pub/sub load at a planned rate (latency from due time).
 *
 *   npx tsx bench/load-broker-vs-mosquitto.ts [--seconds 3] [--rounds 3] [--publishers 4] [--rate 2000]
 *
 * mosquitto (scripts/install-system-deps.sh installs it) runs as our own
 * child on a free loopback port with a config written to a temp folder
 * (listener, allow_anonymous, persistence off); the system service is never
 * touched. The reference broker runs in a child process with the AWS
 * 100 publishes/s per-connection quota lifted (bench/broker-under-test.ts),
 * so the measure is the broker, not the quota.
 * Saturation load: N publishers each keep 100 QoS 1 PUBLISHes in flight
 * (next one on each PUBACK); one QoS 1 subscriber acknowledges at once.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseLoadScenarioText } from '../spec/index.js'
import { DeviceFleet } from '../runners/load/device-fleet.js'
import { runPubsubSlice } from '../runners/load/run-pubsub-slice.js'

const args = process.argv.slice(2)
const opt = (name: string, def: number) => { const i = args.indexOf(`--${name}`); return i >= 0 ? Number(args[i + 1]) : def }
const SECONDS = opt('seconds', 3)
const ROUNDS = opt('rounds', 3)
const PUBLISHERS = opt('publishers', 4)
const RATE = opt('rate', 2000)
const WINDOW = 100
const children: ChildProcess[] = []
process.on('exit', () => { for (const c of children) c.kill() })
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130))

async function freePort(): Promise<number> {
  const s = net.createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()))
  const port = (s.address() as net.AddressInfo).port
  await new Promise<void>((r) => s.close(() => r()))
  return port
}

async function waitListening(port: number, ms: number): Promise<void> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    const ok = await new Promise<boolean>((r) => { const c = net.connect(port, '127.0.0.1'); c.once('connect', () => { c.destroy(); r(true) }); c.once('error', () => r(false)) })
    if (ok) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`nothing listening on ${port} after ${ms} ms`)
}

async function startMosquitto(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'hx-mosquitto-'))
  const port = await freePort()
  const conf = join(dir, 'mosquitto.conf')
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_inflight_messages 100\nmax_queued_messages 100000\nlog_dest none\n`)
  const child = spawn('/usr/sbin/mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'inherit'] })
  children.push(child)
  await waitListening(port, 10_000)
  return port
}

async function startReference(): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./broker-under-test.ts', import.meta.url)), 'reference'], { stdio: ['ignore', 'pipe', 'inherit'] })
  children.push(child)
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('reference broker did not start in 30 s')), 30_000)
    child.stdout!.on('data', (d: Buffer) => { const m = /PORT (\d+)/.exec(d.toString()); if (m) { clearTimeout(t); resolve(Number(m[1])) } })
  })
}

async function saturation(port: number, round: number): Promise<number> {
  let delivered = 0
  let counting = false
  let subscribed: () => void = () => {}
  const sub = new DeviceFleet<null>({
    endpoint: { host: '127.0.0.1', port }, range: { start: 0, end: 1 }, clientId: () => `bench-sub-${round}-${Date.now()}`,
    version: 4, keepaliveSeconds: 300, connectTimeoutMs: 10_000, connectRate: 100, behaviours: [],
    onPublish: () => { if (counting) delivered++; return null },
    onOther: (_d, p) => { if (p.cmd === 'suback') subscribed() },
  })
  await sub.connectAll()
  await new Promise<void>((r) => { subscribed = r; sub.devices[0]!.subscribe(1, 'bench/t', 1) })
  let running = true
  const next = new Array<number>(PUBLISHERS).fill(0)
  const payload = Buffer.alloc(64, 1)
  const pubs = new DeviceFleet<null>({
    endpoint: { host: '127.0.0.1', port }, range: { start: 0, end: PUBLISHERS }, clientId: (i) => `bench-pub-${round}-${i}-${Date.now()}`,
    version: 4, keepaliveSeconds: 300, connectTimeoutMs: 10_000, connectRate: 100, behaviours: [],
    onPublish: () => null,
    onOther: (d, p) => { if (p.cmd === 'puback' && running) publish(d.index) },
  })
  const publish = (i: number) => {
    next[i] = (next[i]! % 65535) + 1
    pubs.devices[i]!.publish({ topic: 'bench/t', payload, qos: 1, messageId: next[i] })
  }
  await pubs.connectAll()
  for (let i = 0; i < PUBLISHERS; i++) for (let k = 0; k < WINDOW; k++) publish(i)
  await new Promise((r) => setTimeout(r, 500)) // warm-up before counting
  counting = true
  const start = performance.now()
  await new Promise((r) => setTimeout(r, SECONDS * 1000))
  counting = false
  const elapsed = (performance.now() - start) / 1000
  running = false
  await Promise.all([sub.close(2000), pubs.close(2000)])
  return delivered / elapsed
}

async function plannedRate(port: number): Promise<string> {
  const { scenario } = parseLoadScenarioText(`id: bench\ntitle: bench\ndevices: { protocol: 3.1.1, connectRate: 100/s }\nstages: [{ stage: steady, duration: ${SECONDS}s, rate: ${RATE}/s }]\npubsub: { publishers: ${PUBLISHERS}, subscribers: 1, qos: 1 }\n`, 'bench.yaml')
  const out = await runPubsubSlice({ scenario: scenario!, endpoints: { target: { kind: 'external', name: 'bench', profile: 'n/a', urls: {}, readings: {} }, mqtt: { host: '127.0.0.1', port } }, slice: { index: 0, count: 1 }, runId: `b${Date.now() % 100000}`, durationScale: 1 })
  const p = out.pubsub!
  return `${RATE}/s planned: sent ${p.sent}/${p.planned}, lost ${p.lost}, p50 ${p.latency.pubsub.p50} ms, p99 ${p.latency.pubsub.p99} ms, max ${p.latency.pubsub.max} ms`
}

const ports = { mosquitto: await startMosquitto(), reference: await startReference() }
type Kind = keyof typeof ports
const results: Record<Kind, number[]> = { mosquitto: [], reference: [] }
for (let r = 0; r < ROUNDS; r++) {
  for (const kind of (r % 2 === 0 ? ['mosquitto', 'reference'] : ['reference', 'mosquitto']) as Kind[]) {
    const rate = await saturation(ports[kind], r)
    results[kind].push(rate)
    process.stdout.write(`round ${r + 1} ${kind.padEnd(9)} ${rate.toFixed(0)} msg/s\n`)
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const ratio = median(results.reference.map((x, i) => x / results.mosquitto[i]!))
process.stdout.write(`\nQoS 1 publish-to-subscriber, ${PUBLISHERS} publishers x ${WINDOW} in flight, ${SECONDS} s x ${ROUNDS} rounds (medians)\n`)
process.stdout.write(`mosquitto          ${median(results.mosquitto).toFixed(0)} msg/s\n`)
process.stdout.write(`reference broker   ${median(results.reference).toFixed(0)} msg/s\n`)
process.stdout.write(`ratio reference / mosquitto (median of per-round ratios) ${ratio.toFixed(2)}\n\n`)
for (const kind of ['mosquitto', 'reference'] as Kind[]) process.stdout.write(`open model, ${kind.padEnd(9)} ${await plannedRate(ports[kind])}\n`)
process.exit(0)
