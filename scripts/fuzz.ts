/**
 * The protocol fuzzer's long run: `npm run fuzz -- --inputs N --seed S [--concurrency C] [--batch B] [--minutes M] [--transport tcp|ws] [--profile NAME]`.
 * Prints inputs/s, failures (broker crashes, refused probes, caught internal errors, healthy
 * messages lost: all must be 0) and the shrunk counterexample of a failure, which is appended to
 * reference-broker/test/fuzz/regressions.json (replayed by `npm test`). Exit code 1 on a failure.
 */
import { runFuzz } from '../reference-broker/test/fuzz/index.js'

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`)
  if (i === -1) return fallback
  const n = Number(process.argv[i + 1])
  if (!Number.isFinite(n)) throw new Error(`--${name} needs a number`)
  return n
}

const inputs = arg('inputs', 100_000)
const seed = arg('seed', Date.now() % 2 ** 31)
const minutes = arg('minutes', 0)
const t = process.argv.indexOf('--transport')
const transport = t === -1 ? 'tcp' : process.argv[t + 1]
if (transport !== 'tcp' && transport !== 'ws') throw new Error('--transport is tcp or ws')
const pi = process.argv.indexOf('--profile')
const profile = pi === -1 ? 'aws-iot-core' : process.argv[pi + 1]!
console.log(`fuzzing: ${inputs} inputs over ${transport} under ${profile}, seed ${seed}${minutes ? `, at most ${minutes} min` : ''}`)
const report = await runFuzz({
  inputs, seed, transport, profile,
  concurrency: arg('concurrency', 16),
  batch: arg('batch', 200),
  timeLimitMs: minutes ? minutes * 60_000 : undefined,
  saveRegressions: true,
  log: (line) => console.log(line),
})
const { counterexample: _c, ...figures } = report
console.log(JSON.stringify(figures))
console.log(`seed ${report.seed}: ${report.inputs} inputs in ${(report.elapsedMs / 1000).toFixed(1)} s (${report.inputsPerSecond}/s), failures ${report.failures}, healthy pair lost ${report.healthyLost} of ${report.healthySent}`)
process.exit(report.failures > 0 || report.healthyLost > 0 ? 1 : 0)
