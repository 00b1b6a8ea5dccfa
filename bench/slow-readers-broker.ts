/**
 * Child process for bench/slow-readers.ts: the reference broker (aws-iot-core
 * profile, MQTT over TCP only) on 127.0.0.1 port 0, logging at `info` (what
 * `mqtt-harness broker --verbose` logs) as JSON lines on stderr. Prints
 * `PORT <n>`, then every 250 ms `MEM <heapUsed> <external> <arrayBuffers> <heapTotal>`
 * and `HELD <socket buffers> <shaper paced> <shaper held> <connections>` (bytes
 * waiting towards clients, by where they wait) so the parent can say where the
 * memory goes next to the RSS it reads from /proc.
 * argv[2], optional: JSON profile overrides.
 */
import { createLogger, startReferenceBroker } from '../reference-broker/index.js'

process.on('SIGTERM', () => process.exit(0))
// Diagnostic only (the parent's --gc-check, which starts this with --expose-gc): is what stays
// allocated garbage not yet collected, or still referenced?
process.on('SIGUSR2', () => (globalThis as { gc?: () => void }).gc?.())
const overrides = process.argv[2] ? JSON.parse(process.argv[2]) : {}
const b = await startReferenceBroker({ wsPort: false, httpPort: false, logger: createLogger('info', process.stderr), overrides })
process.stdout.write(`PORT ${b.ports.mqtt}\n`)
// Diagnostics only: the broker's per-connection state is private.
type Peek = { socket: { writableLength: number }; shaper: { paced: { bytes: number }; held: { bytes: number } } | null }
const gates = (b.broker as unknown as { gates: Set<Peek> }).gates
setInterval(() => {
  const m = process.memoryUsage()
  let socket = 0, paced = 0, held = 0
  for (const g of gates) {
    socket += g.socket.writableLength
    paced += g.shaper?.paced.bytes ?? 0
    held += g.shaper?.held.bytes ?? 0
  }
  process.stdout.write(`MEM ${m.heapUsed} ${m.external} ${m.arrayBuffers} ${m.heapTotal}\nHELD ${socket} ${paced} ${held} ${gates.size}\n`)
}, 250)
