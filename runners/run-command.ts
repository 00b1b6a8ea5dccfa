import type { Command } from 'commander'
import { EXIT, type RunReport, type Scenario } from '../spec/index.js'
import { BUILTIN_REPORTERS, REPORT_FILES, cleanReportFolder, createReporters, type DeclaredRequirement } from '../reports/index.js'
import { CliUsageError } from './errors.js'
import { reportCliError } from './cli-errors.js'
import { defaultCorpusChecks, readCliScenarios, profileForTarget, type KnownRequirement } from './cli-inputs.js'
import { DEFAULT_CONCURRENCY, runScenarios } from './run-scenarios.js'
import { parseGrep, parseShard, selectScenarios } from './select-scenarios.js'
import { resolveTarget } from './targets/resolve-target.js'
import type { ResolvedTarget } from './targets/resolved-target.js'
import { toolVersion } from './package-info.js'

/** The exit code of a finished run: failures first, then errors. */
function runExitCode(report: RunReport): number {
  if (report.summary.failed > 0) return EXIT.FAILED
  if (report.summary.errored > 0) return EXIT.ERRORED
  return EXIT.PASSED
}

/**
 * The catalogues' requirements for the report. In a subset run a requirement
 * no selected scenario checks is `not-selected`, not `untested`: with --grep
 * every such one; with --shard or explicit paths only those other scenarios
 * (loaded, or of the default corpus: `corpusChecks`) check (a merge of the
 * shards then still says untested for the ones no scenario checks).
 */
function declaredFor(known: readonly KnownRequirement[], all: readonly Scenario[], selected: readonly Scenario[], grep: boolean, corpusChecks: ReadonlySet<string> = new Set()): DeclaredRequirement[] {
  const run = new Set(selected.flatMap((s) => s.spec))
  const elsewhere = new Set([...all.flatMap((s) => s.spec), ...corpusChecks])
  if (selected.length === all.length && [...elsewhere].every((id) => run.has(id))) return [...known]
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

function integerOption(name: string, value: string, min: number): number {
  const n = Number(value)
  if (!/^\s*\d+\s*$/.test(value) || !Number.isInteger(n) || n < min) throw new CliUsageError(`${name} takes ${min === 0 ? 'a whole number (0 or more)' : 'a positive integer'}, got "${value}"`)
  return n
}

function describeFilters(opts: RunOptions): string {
  return [
    opts.grep !== undefined && `--grep ${opts.grep}`,
    opts.tag && `--tag ${opts.tag.join(',')}`,
    opts.excludeTag && `--exclude-tag ${opts.excludeTag.join(',')}`,
    opts.requirement && `--requirement ${opts.requirement.join(',')}`,
  ].filter(Boolean).join(' ')
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
  tag?: string[]
  excludeTag?: string[]
  requirement?: string[]
  retries: string
  bail?: boolean
  maxFailures?: string
  quiet?: boolean
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
    .option('--profile <name|file>', 'profile of the bundled broker: aws-iot-core, mqtt-5, mqtt-3.1.1, mqtt-5-minimal or a YAML file')
    .option('--config <file>', 'YAML file overriding the bundled broker\'s profile values (e.g. a short session expiry)')
    .option('--deviation <names>', 'run the bundled broker with documented behaviours deliberately broken (harness self-test), comma-separated', collectNames)
    .option('--catalogue <files>', 'your own requirement catalogue file(s) (ids, statements, sources), besides the target file\'s catalogue:', collectNames)
    .option('--grep <regex>', 'only scenarios whose id, title or requirement id matches')
    .option('--tag <names>', 'only scenarios with one of these tags (tags: in the file), comma-separated or repeated', collectNames)
    .option('--exclude-tag <names>', 'leave out scenarios with any of these tags, comma-separated or repeated', collectNames)
    .option('--requirement <ids>', 'only scenarios checking one of these requirement ids (RET-* matches by prefix), comma-separated or repeated', collectNames)
    .option('--shard <i/n>', 'run the i-th of n disjoint shards (merge the reports with `report merge`)')
    .option('--concurrency <n>', 'scenarios running at once', String(DEFAULT_CONCURRENCY))
    .option('--retries <n>', 'run a failed or errored scenario again up to n times; one that then passes is reported flaky', '0')
    .option('--bail', 'stop starting scenarios after the first failure (same as --max-failures 1)')
    .option('--max-failures <n>', 'stop starting scenarios after n failed or errored ones; the rest are reported skipped')
    .option('--quiet', 'console: only the summary and the failures, no line per scenario')
    .option('--reporter <names>', `report formats, comma-separated: ${BUILTIN_REPORTERS.join(', ')} (default: all of them)`, collectNames)
    .option('--out <dir>', `folder for report files; the report files this tool writes (${REPORT_FILES.join(', ')}) are removed from it first, nothing else`, 'results')
    .action(async (paths: string[], opts: RunOptions) => {
      try {
        const concurrency = integerOption('--concurrency', opts.concurrency, 1)
        const retries = integerOption('--retries', opts.retries, 0)
        if (opts.bail && opts.maxFailures !== undefined) throw new CliUsageError('give --bail or --max-failures, not both')
        const maxFailures = opts.bail ? 1 : opts.maxFailures !== undefined ? integerOption('--max-failures', opts.maxFailures, 1) : undefined
        const grep = opts.grep !== undefined ? parseGrep(opts.grep) : undefined
        const shard = opts.shard !== undefined ? parseShard(opts.shard) : undefined
        if (opts.target !== 'bundled' && (opts.profile || opts.config || opts.deviation)) throw new CliUsageError('--profile, --config and --deviation apply to the bundled broker; a target file names its own profile')
        const profile = await profileForTarget(opts)
        // A target file's probe (up to 5 s against a silent port) runs while the scenarios load;
        // invalid scenarios still win (exit 2) and the probed target is let go.
        const early = opts.target !== 'bundled' ? resolveEarly(opts.target) : undefined
        let loaded: Awaited<ReturnType<typeof readCliScenarios>>
        let selected: Scenario[]
        let reporters: ReturnType<typeof createReporters>
        const filters = { ...(grep ? { grep } : {}), ...(opts.tag ? { tags: opts.tag } : {}), ...(opts.excludeTag ? { excludeTags: opts.excludeTag } : {}), ...(opts.requirement ? { requirements: opts.requirement } : {}) }
        try {
          loaded = await readCliScenarios({ paths, ...opts }, profile)
          selected = selectScenarios(loaded.scenarios, { ...filters, ...(shard ? { shard } : {}) })
          if (Object.keys(filters).length && selected.length === 0 && !shard) throw new CliUsageError(`no scenario matches ${describeFilters(opts)}`)
          reporters = createReporters(opts.reporter ?? [...BUILTIN_REPORTERS], { outDir: opts.out, ...(opts.quiet ? { quiet: true } : {}) })
        } catch (err) {
          await early?.discard()
          throw err
        }
        // The folder holds only this run's reports: files an earlier run wrote in formats not chosen now go first.
        await cleanReportFolder(opts.out)
        const { scenarios, requirements } = loaded
        const target = early ? await early.target : await resolveTarget({ target: opts.target, ...(opts.profile ? { profile: opts.profile } : {}), ...(opts.config ? { config: opts.config } : {}), ...(opts.deviation ? { deviations: opts.deviation } : {}) })
        try {
          const report = await runScenarios(selected, target, {
            concurrency,
            reporters,
            declared: declaredFor(requirements, scenarios, selected, Object.keys(filters).length > 0, await defaultCorpusChecks({ paths, ...opts }, profile)),
            version: toolVersion(),
            retries,
            ...(maxFailures !== undefined ? { maxFailures } : {}),
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
