/**
 * QoS 1 publish-to-subscriber throughput: the reference broker against plain
 * aedes (default options), measured in the same run with the same load
 * generator, alternating rounds so machine noise hits both. Prints messages
 * per second for each and the ratio (target: reference/plain >= 0.8).
 *
 *   npx tsx bench/broker-throughput.ts [--seconds 3] [--rounds 3] [--publishers 4] [--inflight-cap]
 *
 * Load: N raw MQTT 3.1.1 publishers each keep 100 QoS 1 PUBLISHes in flight
 * (next one on each PUBACK); one subscriber at QoS 1 acknowledges every
 * delivery at once. Throughput = deliveries counted at the subscriber / time.
 * Brokers run in a child process; loopback only; every round is bounded.
 * The reference broker runs with its per-connection quotas lifted, the cap of
 * 100 in-flight QoS 1 messages towards a client included; `--inflight-cap`
 * keeps that cap (see broker-under-test.ts for why the ratio then says little).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { RawConn } from './raw-conn.js'

const args = process.argv.slice(2)
const opt = (name: string, def: number) => { const i = args.indexOf(`--${name}`); return i >= 0 ? Number(args[i + 1]) : def }
const SECONDS = opt('seconds', 3)
const ROUNDS = opt('rounds', 5)
const PUBLISHERS = opt('publishers', 4)
const WINDOW = 100
const PAYLOAD = Buffer.alloc(64, 1)
const INFLIGHT_CAP = args.includes('--inflight-cap')

function startBroker(kind: string): Promise<{ port: number; child: ChildProcess }> {
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : []
  const child = spawn(process.execPath, [...prof, '--import', 'tsx', join(import.meta.dirname, 'broker-under-test.ts'), kind, ...(INFLIGHT_CAP ? ['capped'] : [])], { stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { child.kill(); reject(new Error(`${kind} broker did not start in 20 s`)) }, 20_000)
    child.stdout!.on('data', (d: Buffer) => {
      const m = /PORT (\d+)/.exec(d.toString())
      if (m) { clearTimeout(t); resolve({ port: Number(m[1]), child }) }
    })
  })
}


async function round(port: number): Promise<number> {
  const sub = new RawConn(port)
  await sub.connect(`sub-${Date.now()}`, 600)
  let delivered = 0
  let counting = false
  const subscribed = new Promise<void>((r) => {
    sub.onPacket = (p) => {
      if (p.cmd === 'suback') r()
      else if (p.cmd === 'publish') {
        if (counting) delivered++
        sub.send({ cmd: 'puback', messageId: p.messageId })
      }
    }
  })
  sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'bench/t', qos: 1 }] })
  await subscribed
  const pubs: RawConn[] = []
  let running = true
  for (let i = 0; i < PUBLISHERS; i++) {
    const pub = new RawConn(port)
    await pub.connect(`pub-${i}-${Date.now()}`, 600)
    let next = 1
    const publish = () => {
      pub.send({ cmd: 'publish', topic: 'bench/t', payload: PAYLOAD, qos: 1, messageId: next, retain: false, dup: false })
      next = next >= 65535 ? 1 : next + 1
    }
    pub.onPacket = (p) => { if (p.cmd === 'puback' && running) publish() }
    for (let k = 0; k < WINDOW; k++) publish()
    pubs.push(pub)
  }
  await new Promise((r) => setTimeout(r, 500)) // warm-up before counting
  counting = true
  const start = process.hrtime.bigint()
  await new Promise((r) => setTimeout(r, SECONDS * 1000))
  counting = false
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9
  running = false
  for (const c of [sub, ...pubs]) c.sock.destroy()
  return delivered / elapsed
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const results: Record<string, number[]> = { plain: [], reference: [] }
const brokers = { plain: await startBroker('plain'), reference: await startBroker('reference') }
try {
  for (let r = 0; r < ROUNDS; r++) {
    for (const kind of (r % 2 === 0 ? ['plain', 'reference'] : ['reference', 'plain']) as ('plain' | 'reference')[]) {
      const rate = await round(brokers[kind].port)
      results[kind]!.push(rate)
      process.stdout.write(`round ${r + 1} ${kind.padEnd(9)} ${rate.toFixed(0)} msg/s\n`)
    }
  }
} finally {
  brokers.plain.child.kill('SIGTERM')
  brokers.reference.child.kill('SIGTERM')
}
const plain = median(results.plain!)
const reference = median(results.reference!)
// Each round runs both brokers back to back, so the per-round ratio cancels slow drift in the machine.
const ratio = median(results.reference!.map((x, i) => x / results.plain![i]!))
process.stdout.write(`\nQoS 1 publish-to-subscriber, ${PUBLISHERS} publishers x ${WINDOW} in flight, ${SECONDS} s x ${ROUNDS} rounds (medians)${INFLIGHT_CAP ? ', reference with its in-flight cap of 100' : ''}\n`)
process.stdout.write(`plain aedes        ${plain.toFixed(0)} msg/s\n`)
process.stdout.write(`reference broker   ${reference.toFixed(0)} msg/s\n`)
process.stdout.write(`ratio (median of per-round ratios) ${ratio.toFixed(2)} (target >= 0.80: ${ratio >= 0.8 ? 'met' : 'NOT met'})\n`)
