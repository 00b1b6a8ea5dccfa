import type { Command } from 'commander'
import { mergeLoadReports, readLoadReport } from '../reports/index.js'
import { reportCliError } from './cli-errors.js'
import { CliUsageError } from './errors.js'
import { createProgressPrinter } from './load/progress-printer.js'
import type { LoadProgress } from './load/load-progress.js'
import { parseListenAddress, startPrometheusExporter } from './load/prometheus-exporter.js'
import { exitCodeOf, runLoad } from './load/run-load.js'
import { writeLoadReports } from './load/write-load-reports.js'
import { parseShard } from './select-scenarios.js'
import { parseDuration, type LoadReport } from '../spec/index.js'

interface LoadOptions {
  target: string
  shard?: string
  workers: string
  out: string
  durationScale: string
  progress: boolean
  startAt?: string
  stopFile?: string
  runId?: string
  prometheus?: string
  prometheusLinger: string
}

/** `--start-at`: an ISO time (`2026-12-03T09:30:00Z`), epoch milliseconds, or `+30s` from now. */
function parseStartAt(value: string, now = Date.now()): number {
  const rel = /^\+(.+)$/.exec(value.trim())
  if (rel) {
    const ms = parseDuration(rel[1]!)
    if (ms === undefined) throw new CliUsageError(`--start-at +DURATION takes a duration like +30s or +2m, got "${value}"`)
    return now + ms
  }
  const t = /^\d{12,}$/.test(value.trim()) ? Number(value) : Date.parse(value)
  if (!Number.isFinite(t)) throw new CliUsageError(`--start-at takes an ISO time (2026-12-03T09:30:00Z), epoch milliseconds or +30s, got "${value}"`)
  if (t - now > 24 * 3600_000) throw new CliUsageError(`--start-at ${value} is more than a day ahead: a typo?`)
  return t
}

function positive(name: string, value: string, integer: boolean): number {
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new CliUsageError(`${name} takes a positive ${integer ? 'integer' : 'number'}, got "${value}"`)
  return n
}

async function startExporter(listen: string, shard: string) {
  const addr = parseListenAddress(listen)
  if (!addr) throw new CliUsageError(`--prometheus takes [host:]port (9464, 127.0.0.1:9464, 0.0.0.0:9464), got "${listen}"`)
  try {
    const exporter = await startPrometheusExporter({ ...addr, shard })
    process.stderr.write(`live metrics for Prometheus on ${exporter.url}\n`)
    return exporter
  } catch (err) {
    throw new CliUsageError(`--prometheus ${listen}: cannot listen: ${(err as Error).message}`)
  }
}

/** `--run-id`: goes into client ids and topics, so letters, digits, - and _ only. */
function runIdOf(value: string): string {
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(value)) throw new CliUsageError(`--run-id takes 1-40 letters, digits, - or _, got "${value}"`)
  return value
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
  const starts = r.run.slices.flatMap((sl) => (sl.scheduleStartedAt ? [Date.parse(sl.scheduleStartedAt)] : []))
  if (starts.length > 1) lines.push(`slices began their first stage within ${Math.max(...starts) - Math.min(...starts)} ms of each other${r.run.startAt ? ` (start at ${r.run.startAt})` : ''}`)
  if (r.aborted) lines.push(`ABORTED ${(r.aborted.atMs / 1000).toFixed(1)} s into the plan by "${r.aborted.threshold}" (${r.aborted.actual}) on slice ${r.aborted.slice.index + 1}/${r.aborted.slice.count}`)
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
    .option('--start-at <time>', 'begin the first stage at this time (ISO, epoch ms, or +30s), after connecting: shards started with the same value line up')
    .option('--stop-file <path>', 'a file shared by the shards: an abortOnFail threshold that fires on one shard writes it, and every shard stops')
    .option('--prometheus <[host:]port>', 'serve live metrics on http://host:port/metrics for Prometheus to scrape (e.g. 0.0.0.0:9464 in a pod)')
    .option('--prometheus-linger <duration>', 'after the run, keep serving until Prometheus scraped the final counts, at most this long', '30s')
    .option('--run-id <id>', 'run id carried by client ids and correlation ids (default: random); the same on every shard of a run')
    .action(async (scenario: string, opts: LoadOptions) => {
      try {
        const shard = opts.shard ? parseShard(opts.shard) : undefined
        const printer = opts.progress ? createProgressPrinter() : undefined
        const exporter = opts.prometheus ? await startExporter(opts.prometheus, shard ? `${shard.index}/${shard.total}` : '1/1') : undefined
        const linger = parseDuration(opts.prometheusLinger)
        if (linger === undefined) throw new CliUsageError(`--prometheus-linger takes a duration like 30s, got "${opts.prometheusLinger}"`)
        const progress = (p: LoadProgress) => { printer?.update(p); exporter?.update(p) }
        const result = await runLoad({
          scenarioFile: scenario,
          target: opts.target,
          ...(shard ? { shard: { index: shard.index - 1, count: shard.total } } : {}),
          workers: positive('--workers', opts.workers, true),
          durationScale: positive('--duration-scale', opts.durationScale, false),
          outDir: opts.out,
          ...(opts.startAt ? { startAt: parseStartAt(opts.startAt) } : {}),
          ...(opts.stopFile ? { stopFile: opts.stopFile } : {}),
          ...(opts.runId ? { runId: runIdOf(opts.runId) } : {}),
          progress,
          ...(exporter ? { onScenario: (sc, runId) => exporter.describe(runId, sc.id, sc.mode), onAborted: (a) => exporter.abort(a) } : {}),
        }).finally(() => printer?.done()).catch(async (err) => { await exporter?.close(); throw err })
        if (exporter) {
          await exporter.lingerForFinalScrape(linger)
          await exporter.close()
        }
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
        const report = mergeLoadReports(await Promise.all(files.map((f) => readLoadReport(f))))
        const written = await writeLoadReports(report, opts.out)
        process.stdout.write(summary(report, written))
        setExit(exitCodeOf(report))
      } catch (err) {
        reportCliError(err, 'load-merge', setExit)
      }
    })
}
