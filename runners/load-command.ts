import type { Command } from 'commander'
import { mergeLoadReports, readLoadReport } from '../reports/index.js'
import { reportCliError } from './cli-errors.js'
import { CliUsageError } from './errors.js'
import { finalizeLoadReport, thresholdsOfReport } from './load/build-load-report.js'
import { createProgressPrinter } from './load/progress-printer.js'
import { exitCodeOf, runLoad } from './load/run-load.js'
import { writeLoadReports } from './load/write-load-reports.js'
import { parseShard } from './select-scenarios.js'
import type { LoadReport } from '../spec/index.js'

interface LoadOptions {
  target: string
  shard?: string
  workers: string
  out: string
  durationScale: string
  progress: boolean
}

function positive(name: string, value: string, integer: boolean): number {
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new CliUsageError(`${name} takes a positive ${integer ? 'integer' : 'number'}, got "${value}"`)
  return n
}

function summary(r: LoadReport, files: string[]): string {
  const lines: string[] = []
  if (r.dm) {
    const b = r.dm.buckets
    lines.push(`planned ${r.dm.planned}: 200 ${b['200']}, 504 ${b['504']}, 404 ${b['404']}, 429 ${b['429']}, other ${b.otherStatus}, client timeout ${b.clientTimeout}, connection error ${b.connectionError}, not sent ${b.notSent}`)
    lines.push(`latency from due time: p50 ${r.dm.latency.response.p50} ms, p99 ${r.dm.latency.response.p99} ms; scheduler lag p99 ${r.dm.latency.lag.p99} ms`)
  }
  if (r.pubsub) {
    const p = r.pubsub
    lines.push(`published ${p.sent}/${p.planned}, expected ${p.expected}, lost ${p.lost}, duplicates ${p.duplicates}, reordered ${p.reordered}; latency p50 ${p.latency.pubsub.p50} ms, p99 ${p.latency.pubsub.p99} ms`)
  }
  if (r.closedLoop) lines.push(`closed-loop peak (autocannon): ${r.closedLoop.throughputPerSecond.toFixed(0)} requests/s`)
  for (const t of r.thresholds) lines.push(`${t.passed ? 'pass' : 'FAIL'}  ${t.expression}  (${t.actual})`)
  if (!r.books.balanced) for (const p of r.books.problems) lines.push(`BOOKS: ${p}`)
  for (const w of r.warnings) lines.push(`warning: ${w}`)
  lines.push(`verdict: ${r.verdict}`)
  for (const f of files) lines.push(`wrote ${f}`)
  return lines.join('\n') + '\n'
}

/**
 * `mqtt-harness load <scenario.yaml>`: a load run (exit 0 passed, 1 books
 * unbalanced, 2 invalid input, 3 unreachable, 4 thresholds failed), and
 * `mqtt-harness load-merge <shard.json...>`: adds shard reports exactly and
 * re-evaluates the thresholds on the sum.
 */
export function registerLoadCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('load')
    .description('run a load scenario (scenarios/load/*.yaml); exit 0 passed, 1 books unbalanced, 2 invalid input, 3 unreachable, 4 thresholds failed')
    .argument('<scenario>', 'load scenario YAML file')
    .option('--target <file|bundled>', 'target YAML file, or bundled to start the reference broker in process', 'bundled')
    .option('--shard <i/n>', 'run the i-th of n slices of the fleet and the rate (one per machine); merge with load-merge')
    .option('--workers <n>', 'worker threads, each a slice of the fleet and the rate', '1')
    .option('--out <dir>', 'folder for load-report.{json,md,html}', 'results/load')
    .option('--duration-scale <x>', 'multiply every stage duration by x (e.g. 0.1 for a quick try)', '1')
    .option('--no-progress', 'no live progress on stderr')
    .action(async (scenario: string, opts: LoadOptions) => {
      try {
        const shard = opts.shard ? parseShard(opts.shard) : undefined
        const printer = opts.progress ? createProgressPrinter() : undefined
        const result = await runLoad({
          scenarioFile: scenario,
          target: opts.target,
          ...(shard ? { shard: { index: shard.index - 1, count: shard.total } } : {}),
          workers: positive('--workers', opts.workers, true),
          durationScale: positive('--duration-scale', opts.durationScale, false),
          outDir: opts.out,
          ...(printer ? { progress: (p) => printer.update(p) } : {}),
        }).finally(() => printer?.done())
        process.stdout.write(summary(result.report, result.files))
        setExit(result.exitCode)
      } catch (err) {
        reportCliError(err, 'load', setExit)
      }
    })
  program
    .command('load-merge')
    .description('add load reports of shards (load --shard i/n) into one; thresholds re-evaluated on the sum')
    .argument('<reports...>', 'load-report.json files, one per shard')
    .option('--out <dir>', 'folder for the merged load-report.{json,md,html}', 'results/load-merged')
    .action(async (files: string[], opts: { out: string }) => {
      try {
        const merged = mergeLoadReports(await Promise.all(files.map((f) => readLoadReport(f))))
        const report = finalizeLoadReport(merged, thresholdsOfReport(merged))
        const written = await writeLoadReports(report, opts.out)
        process.stdout.write(summary(report, written))
        setExit(exitCodeOf(report))
      } catch (err) {
        reportCliError(err, 'load-merge', setExit)
      }
    })
}
