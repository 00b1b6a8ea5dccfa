/**
 * Child process for bench/slow-readers.ts: the reference broker (aws-iot-core
 * profile, MQTT over TCP only) on 127.0.0.1 port 0, logging at `info` (what
 * `mqtt-harness broker --verbose` logs) as JSON lines on stderr. Prints
 * `PORT <n>`, then `MEM <heapUsed> <external> <arrayBuffers>` every 250 ms so
 * the parent can report the heap next to the RSS it reads from /proc.
 * argv[2], optional: JSON profile overrides.
 */
import { createLogger, startReferenceBroker } from '../reference-broker/index.js'

process.on('SIGTERM', () => process.exit(0))
const overrides = process.argv[2] ? JSON.parse(process.argv[2]) : {}
const b = await startReferenceBroker({ wsPort: false, httpPort: false, logger: createLogger('info', process.stderr), overrides })
process.stdout.write(`PORT ${b.ports.mqtt}\n`)
setInterval(() => {
  const m = process.memoryUsage()
  process.stdout.write(`MEM ${m.heapUsed} ${m.external} ${m.arrayBuffers} ${m.heapTotal}\n`)
}, 250)
