/**
 * One worker process of the deviation sweep (started by deviation-sweep.ts
 * with `node --import tsx`): runs the corpus against the brokers it is given
 * and writes their verdicts as JSON.
 *   sweep-worker.ts <out.json> <concurrency> <per broker> <JSON array of deviation names, null = none> <full|targeted>
 */
import { writeFileSync } from 'node:fs'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { readSweepCorpus, runBrokers } from './deviation-sweep.js'

const [out, concurrency, perBroker, namesJson, scope] = process.argv.slice(2)
const names = JSON.parse(namesJson!) as (string | null)[]
const elu = performance.eventLoopUtilization()
const lag = monitorEventLoopDelay({ resolution: 10 })
lag.enable()
const scenarios = await readSweepCorpus()
const runs = await runBrokers(names, scenarios, Number(concurrency), Number(perBroker), (line) => process.stderr.write(line + '\n'), scope === 'targeted' ? 'targeted' : 'full')
lag.disable()
process.stderr.write(`  worker: event loop delay p50 ${(lag.percentile(50) / 1e6).toFixed(0)} ms, p99 ${(lag.percentile(99) / 1e6).toFixed(0)} ms, max ${(lag.max / 1e6).toFixed(0)} ms\n`)
writeFileSync(out!, JSON.stringify({ runs, elu: performance.eventLoopUtilization(elu).utilization }))
// Sockets of torn-down brokers may keep timers alive for a moment; the work is done.
process.exit(0)
