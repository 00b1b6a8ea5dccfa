/**
 * The conformance runner's own costs, measured in one run:
 *  1. parallel speed-up: the default suite's wall time against the sum of its
 *     scenarios' own durations (what running them one after another would cost);
 *  2. overhead per step: a scenario of N steps that do nothing (`wait 0ms`)
 *     against a baseline loop of N awaited macrotasks in this same process.
 *
 *   npx tsx bench/suite-speedup.ts [--steps 500]
 *
 * The suite runs through the CLI from the sources (scripts/dev-cli.ts) against
 * the bundled broker; loopback only; bounded by the scenarios' own deadlines.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const args = process.argv.slice(2)
const STEPS = Number(args[args.indexOf('--steps') + 1] || 0) || 500
const root = join(import.meta.dirname, '..')
const cli = join(root, 'scripts', 'dev-cli.ts')

interface Report { durationMs: number; scenarios: { durationMs: number; status: string; steps: unknown[] }[] }

function run(paths: string[], out: string): Report {
  try {
    execFileSync(process.execPath, ['--import', 'tsx', cli, 'run', ...paths, '--reporter', 'json', '--out', out], { cwd: root, stdio: 'ignore', timeout: 600_000 })
  } catch { /* a failing scenario still writes the report; the figures below say so */ }
  return JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report
}

const dir = mkdtempSync(join(tmpdir(), 'hx-bench-'))

// 1. Parallel speed-up of the default suite.
const suite = run([], join(dir, 'suite'))
const sum = suite.scenarios.reduce((a, s) => a + s.durationMs, 0)
const failed = suite.scenarios.filter((s) => s.status !== 'passed').length

// 2. Runner overhead per step.
const file = join(dir, 'steps.yaml')
writeFileSync(file, [
  // spec needs a catalogue id; this temporary scenario only measures the runner.
  'id: runner-overhead', 'title: N steps that do nothing', 'spec: [QOS-LEVELS-0-1]', 'timeout: 120s', 'steps:',
  ...Array.from({ length: STEPS }, () => "  - wait: { duration: 0ms, reason: 'measures the runner only' }"),
].join('\n') + '\n')
const steps = run([file], join(dir, 'steps'))
const perStepMs = steps.scenarios[0]!.durationMs / STEPS

let base = process.hrtime.bigint()
for (let i = 0; i < STEPS; i++) await new Promise((r) => setImmediate(r))
const baselineMs = Number(process.hrtime.bigint() - base) / 1e6 / STEPS
base = 0n

process.stdout.write(`suite: ${suite.scenarios.length} scenario cells (${failed} not passed), wall ${(suite.durationMs / 1000).toFixed(1)} s, sum of scenario durations ${(sum / 1000).toFixed(1)} s\n`)
process.stdout.write(`parallel speed-up (sum / wall): ${(sum / suite.durationMs).toFixed(2)}x\n`)
process.stdout.write(`runner overhead: ${perStepMs.toFixed(3)} ms per step over ${STEPS} no-op steps; baseline one macrotask ${baselineMs.toFixed(4)} ms; ratio ${(perStepMs / baselineMs).toFixed(0)}x\n`)
