/**
 * Child process for bench/broker-throughput.ts: starts one broker on 127.0.0.1
 * port 0 and prints `PORT <n>`. `plain` = aedes 2.0.0-beta.1 with default
 * options; `reference` = the reference broker (aws-iot-core profile, with the
 * 100 publishes/s per connection quota and the 512 KiB/s per connection
 * throughput limit lifted, mqtt.publishesPerSecondPerConnection: 0 and
 * mqtt.throughputBytesPerSecond: 0, so the measurement is the cost of the AWS
 * layer, not the quotas).
 *
 * The cap of 100 unacknowledged QoS 1 messages towards a client
 * (mqtt.outboundInflightMaximum) is lifted too, unless the third argument is
 * `capped`. With it, the bench stops measuring cost: the broker acknowledges the
 * publishers (400 in flight) without waiting for the subscriber (it never
 * applies backpressure, by design), the subscriber gets 100 per round trip, and
 * the rest piles up in the gate (over 100 000 messages after 3 s). The load
 * generator then spends its CPU on publishes that are not delivered, and the
 * cheaper the broker's ingest path, the lower the ratio.
 */
import net from 'node:net'
import { Aedes } from 'aedes'
import { startReferenceBroker } from '../reference-broker/index.js'

const kind = process.argv[2]
// Exit normally on SIGTERM so `--cpu-prof` (BENCH_CPU_PROF=1) can write its profile.
process.on('SIGTERM', () => process.exit(0))
if (kind === 'plain') {
  const aedes = await Aedes.createBroker()
  const server = net.createServer((s) => aedes.handle(s as never, undefined as never))
  server.listen(0, '127.0.0.1', () => process.stdout.write(`PORT ${(server.address() as net.AddressInfo).port}\n`))
} else if (kind === 'reference') {
  const inflight = process.argv[3] === 'capped' ? {} : { outboundInflightMaximum: 65535 }
  const b = await startReferenceBroker({ wsPort: false, httpPort: false, overrides: { mqtt: { publishesPerSecondPerConnection: 0, throughputBytesPerSecond: 0, ...inflight } } })
  process.stdout.write(`PORT ${b.ports.mqtt}\n`)
} else {
  process.stderr.write('usage: broker-under-test.ts plain|reference [capped]\n')
  process.exit(2)
}
