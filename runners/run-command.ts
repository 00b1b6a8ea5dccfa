import type { Command } from 'commander'
import { BUILTIN_REPORTERS, createReporters } from '../reports/index.js'
import type { RunReport } from '../spec/index.js'
import { CliUsageError } from './errors.js'
import { EXIT } from './exit-codes.js'
import { reportCliError } from './cli-errors.js'
import { loadCliScenarios, profileForTarget, type KnownRequirement } from './load-for-cli.js'
import type { Scenario } from '../spec/index.js'
import { DEFAULT_CONCURRENCY, runScenarios } from './run-scenarios.js'
import { parseGrep, parseShard, selectScenarios } from './select-scenarios.js'
import { resolveTarget } from './targets/resolve-target.js'
import type { ResolvedTarget } from './targets/resolved-target.js'
import { toolVersion } from './package-info.js'

/** The exit code of a finished run: failures first, then errors. */
export function runExitCode(report: RunReport): number {
  if (report.summary.failed > 0) return EXIT.FAILED
  if (report.summary.errored > 0) return EXIT.ERRORED
  return EXIT.PASSED
}

/**
 * The catalogues' requirements for the report. In a subset run a requirement
 * no selected scenario checks is `not-selected`, not `untested`: with --grep
 * every such one; with --shard only those other scenarios check (a merge of
 * the shards then still says untested for the ones no scenario checks).
 */
export function declaredFor(known: readonly KnownRequirement[], all: readonly Scenario[], selected: readonly Scenario[], grep: boolean): (KnownRequirement & { status?: 'not-selected' })[] {
  if (selected.length === all.length) return [...known]
  const run = new Set(selected.flatMap((s) => s.spec))
  const elsewhere = new Set(all.flatMap((s) => s.spec))
  return known.map((r) => (!run.has(r.id) && (grep || elsewhere.has(r.id)) ? { ...r, status: 'not-selected' as const } : r))
}

/** Resolves (and probes) a target file now; `discard` tears it down if the run stops before using it. */
function resolveEarly(file: string): { target: Promise<ResolvedTarget>; discard(): Promise<void> } {
  const target = resolveTarget({ target: file })
  target.catch(() => {})
  return { target, discard: () => target.then((t) => t.teardown(), () => {}) }
}

function collectNames(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((s) => s.trim()).filter(Boolean)]
}

function positiveInt(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new CliUsageError(`--concurrency takes a positive integer, got "${value}"`)
  return n
}

interface RunOptions {
  target: string
  profile?: string
  config?: string
  deviation?: string[]
  grep?: string
  shard?: string
  concurrency: string
  reporter?: string[]
  out: string
  catalogue?: string[]
}

/**
 * `mqtt-harness run`: validate every scenario (nothing runs if one is
 * invalid), resolve the target (bundled broker or target file), run with
 * bounded concurrency and write the reports.
 */
export function registerRunCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('run')
    .description('run scenarios against the bundled broker or a target; exit 0 passed, 1 failed, 2 invalid input, 3 unreachable, 5 errored')
    .argument('[paths...]', 'scenario files or folders (default: scenarios/, without scenarios/load/)')
    .option('--target <file|bundled>', 'target YAML file, or bundled to start the reference broker in process', 'bundled')
    .option('--profile <name|file>', 'profile of the bundled broker: aws-iot-core, mqtt-5, mqtt-3.1.1 or a YAML file')
    .option('--config <file>', 'YAML file overriding the bundled broker\'s profile values (e.g. a short session expiry)')
    .option('--deviation <names>', 'run the bundled broker with documented behaviours deliberately broken (harness self-test), comma-separated', collectNames)
    .option('--catalogue <files>', 'your own requirement catalogue file(s) (ids, statements, sources), besides the target file\'s catalogue:', collectNames)
    .option('--grep <regex>', 'only scenarios whose id, title or requirement id matches')
    .option('--shard <i/n>', 'run the i-th of n disjoint shards (merge the reports with `report merge`)')
    .option('--concurrency <n>', 'scenarios running at once', String(DEFAULT_CONCURRENCY))
    .option('--reporter <names>', `report formats, comma-separated: ${BUILTIN_REPORTERS.join(', ')} (default console,json,junit,markdown,html)`, collectNames)
    .option('--out <dir>', 'folder for report files', 'results')
    .action(async (paths: string[], opts: RunOptions) => {
      try {
        const concurrency = positiveInt(opts.concurrency)
        const grep = opts.grep !== undefined ? parseGrep(opts.grep) : undefined
        const shard = opts.shard !== undefined ? parseShard(opts.shard) : undefined
        if (opts.target !== 'bundled' && (opts.profile || opts.config || opts.deviation)) throw new CliUsageError('--profile, --config and --deviation apply to the bundled broker; a target file names its own profile')
        const profile = await profileForTarget(opts)
        // A target file's probe (up to 5 s against a silent port) runs while the scenarios load;
        // invalid scenarios still win (exit 2) and the probed target is let go.
        const early = opts.target !== 'bundled' ? resolveEarly(opts.target) : undefined
        let loaded: Awaited<ReturnType<typeof loadCliScenarios>>
        let selected: Scenario[]
        let reporters: ReturnType<typeof createReporters>
        try {
          loaded = await loadCliScenarios({ paths, ...opts }, profile)
          selected = selectScenarios(loaded.scenarios, { ...(grep ? { grep } : {}), ...(shard ? { shard } : {}) })
          if (grep && selected.length === 0 && !shard) throw new CliUsageError(`no scenario matches --grep ${opts.grep}`)
          reporters = createReporters(opts.reporter ?? ['console', 'json', 'junit', 'markdown', 'html'], { outDir: opts.out })
        } catch (err) {
          await early?.discard()
          throw err
        }
        const { scenarios, requirements } = loaded
        const target = early ? await early.target : await resolveTarget({ target: opts.target, ...(opts.profile ? { profile: opts.profile } : {}), ...(opts.config ? { config: opts.config } : {}), ...(opts.deviation ? { deviations: opts.deviation } : {}) })
        try {
          const report = await runScenarios(selected, target, {
            concurrency,
            reporters,
            declared: declaredFor(requirements, scenarios, selected, grep !== undefined),
            version: toolVersion(),
            ...(shard ? { shard } : {}),
          })
          setExit(runExitCode(report))
        } finally {
          await target.teardown()
        }
      } catch (err) {
        reportCliError(err, 'run', setExit)
      }
    })
}
