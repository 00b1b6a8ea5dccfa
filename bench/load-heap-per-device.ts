/**
 * Heap per connected simulated device: the load runner's device client
 * against MQTT.js, same run, same broker. Prints bytes per device for each,
 * their ratio and the verdict against the target (<= 20 KB per device).
 *
 *   npx tsx bench/load-heap-per-device.ts [--devices 10000] [--mqttjs 2000] [--protocol 5]
 *
 * Method: the reference broker runs in a child process (its heap is not
 * ours); with --expose-gc (the script re-runs itself with it), heapUsed is
 * read after a full GC before and after connecting N devices, divided by N.
 * Devices connect at 2,000/s and stay connected (keep-alive 300 s).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import mqtt from 'mqtt'
import { DeviceFleet } from '../runners/load/device-fleet.js'

const gc = (globalThis as { gc?: () => void }).gc
if (!gc) {
  // heapUsed is only meaningful after a full collection: run again with --expose-gc.
  const again = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' })
  again.on('exit', (code) => process.exit(code ?? 1))
} else {
  await main(gc)
}

async function main(collect: () => void) {
  const args = process.argv.slice(2)
  const opt = (name: string, def: number) => { const i = args.indexOf(`--${name}`); return i >= 0 ? Number(args[i + 1]) : def }
  const N = opt('devices', 10_000)
  const M = opt('mqttjs', 2000)
  const version = opt('protocol', 5) === 5 ? 5 : 4
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./broker-under-test.ts', import.meta.url)), 'reference'], { stdio: ['ignore', 'pipe', 'inherit'] })
  process.on('exit', () => child.kill())
  const port = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('broker did not start in 30 s')), 30_000)
    child.stdout!.on('data', (d: Buffer) => { const m = /PORT (\d+)/.exec(d.toString()); if (m) { clearTimeout(t); resolve(Number(m[1])) } })
  })
  const heap = () => { collect(); collect(); return process.memoryUsage().heapUsed }

  const fleet = new DeviceFleet<null>({
    endpoint: { host: '127.0.0.1', port }, range: { start: 0, end: N }, clientId: (i) => `heap-raw-${i}`,
    version, keepaliveSeconds: 300, connectTimeoutMs: 30_000, connectRate: 2000, behaviours: [], onPublish: () => null,
  })
  const before = heap()
  await fleet.connectAll()
  const raw = (heap() - before) / fleet.connected
  process.stdout.write(`raw device client: ${fleet.connected}/${N} connected, ${(raw / 1024).toFixed(2)} KiB heap per device (fleet's own measure ${((fleet.heapBytesPerDevice ?? 0) / 1024).toFixed(2)} KiB)\n`)
  await fleet.close(10_000)

  const clients: mqtt.MqttClient[] = []
  const before2 = heap()
  const t0 = performance.now()
  for (let i = 0; i < M; i++) {
    const wait = t0 + (i * 1000) / 2000 - performance.now()
    if (wait > 1) await new Promise((r) => setTimeout(r, wait))
    clients.push(mqtt.connect(`mqtt://127.0.0.1:${port}`, { clientId: `heap-mqttjs-${i}`, protocolVersion: version, keepalive: 300, reconnectPeriod: 0 }))
  }
  await Promise.all(clients.map((c) => new Promise<void>((resolve) => { if (c.connected) resolve(); else { c.once('connect', () => resolve()); c.once('error', () => resolve()) } })))
  const connected = clients.filter((c) => c.connected).length
  const mq = (heap() - before2) / connected
  process.stdout.write(`MQTT.js 5.16:      ${connected}/${M} connected, ${(mq / 1024).toFixed(2)} KiB heap per device\n`)
  await Promise.all(clients.map((c) => c.endAsync(true)))
  child.kill()
  process.stdout.write(`\nratio raw / MQTT.js ${(raw / mq).toFixed(2)}; raw device ${(raw / 1024).toFixed(2)} KiB (target <= 20 KB: ${raw <= 20_000 ? 'met' : 'NOT met'})\n`)
  process.exit(0)
}
