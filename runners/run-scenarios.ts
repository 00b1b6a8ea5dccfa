import { randomBytes } from 'node:crypto'
import type { Attempt, RunReport, Scenario, ScenarioResult } from '../spec/index.js'
import { buildReport } from './build-report.js'
import type { DeclaredRequirement, Reporter } from '../reports/index.js'
import { HarnessError } from './errors.js'
import { runScenario } from './run-scenario.js'
import type { StepRegistry } from './step-registry.js'
import { createStepRegistry } from './steps/index.js'
import type { ResolvedTarget } from './targets/resolved-target.js'

/** Default number of scenarios running at once. */
export const DEFAULT_CONCURRENCY = 8

export interface RunScenariosOptions {
  concurrency?: number
  reporters?: readonly Reporter[]
  registry?: StepRegistry
  /** Requirements to list even when no scenario checks them (the catalogue). */
  declared?: readonly DeclaredRequirement[]
  shard?: { index: number; total: number }
  /** Tool version for the report. */
  version?: string
  /** Run id used in client ids and topic prefixes (default: random). */
  runId?: string
  /** Runs again, up to this many times, a scenario that failed or errored; one that then passes is `flaky` (default 0). */
  retries?: number
  /**
   * Stops starting scenarios once this many have failed or errored (`--bail`
   * is 1); those not started are reported `skipped` with the reason. Default: no limit.
   */
  maxFailures?: number
}

const isBad = (r: ScenarioResult) => r.status === 'failed' || r.status === 'errored'

/**
 * Runs a scenario, and again up to `retries` times while it fails or errors.
 * The result is the last attempt's, with the earlier ones under `attempts`;
 * failed-then-passed is `flaky`, never `passed`.
 */
async function runWithRetries(run: (attempt: number) => Promise<ScenarioResult>, retries: number): Promise<ScenarioResult> {
  const earlier: Attempt[] = []
  let result = await run(0)
  while (isBad(result) && earlier.length < retries) {
    earlier.push({ status: result.status, durationMs: result.durationMs, failures: result.failures })
    result = await run(earlier.length)
  }
  if (!earlier.length) return result
  if (result.status !== 'passed') return { ...result, attempts: earlier }
  // Flaky is the scenario's and each requirement it passed on the retry: never silently green.
  const verdicts = result.verdicts && Object.fromEntries(Object.entries(result.verdicts).map(([id, v]) => [id, v === 'passed' ? 'flaky' as const : v]))
  return { ...result, status: 'flaky' as const, ...(verdicts ? { verdicts } : {}), attempts: earlier }
}

/** A scenario the run did not start (after --max-failures): skipped, saying why. */
function stoppedEarly(scenario: Scenario, reason: string): ScenarioResult {
  return {
    id: scenario.id, title: scenario.title, file: scenario.file, location: scenario.location, status: 'skipped',
    requirements: scenario.spec, ...(scenario.matrix ? { matrix: scenario.matrix } : {}), ...(scenario.tags?.length ? { tags: scenario.tags } : {}),
    durationMs: 0, failures: [], reason, steps: [],
  }
}

async function each(reporters: readonly Reporter[], call: (r: Reporter) => void | Promise<void> | undefined): Promise<void> {
  for (const r of reporters) await call(r)
}

/**
 * Runs scenarios against a resolved target with bounded concurrency and
 * returns the report. Results keep the scenarios' order whatever order they
 * finish in. Reporters see every hook; the target is not torn down here.
 */
export async function runScenarios(scenarios: readonly Scenario[], target: ResolvedTarget, opts: RunScenariosOptions = {}): Promise<RunReport> {
  const registry = opts.registry ?? createStepRegistry()
  const reporters = opts.reporters ?? []
  const runId = opts.runId ?? randomBytes(3).toString('hex')
  const concurrency = Math.max(1, opts.concurrency ?? DEFAULT_CONCURRENCY)
  const startedAt = new Date()
  const retries = Math.max(0, opts.retries ?? 0)
  const maxFailures = opts.maxFailures ?? Infinity
  await each(reporters, (r) => r.onRunStart?.({ total: scenarios.length, target: target.info, startedAt: startedAt.toISOString(), ...(opts.version ? { version: opts.version } : {}) }))
  const results: ScenarioResult[] = new Array(scenarios.length)
  const gone = targetWatch(target)
  let next = 0
  let bad = 0
  const worker = async () => {
    while (next < scenarios.length) {
      const index = next++
      const scenario = scenarios[index]!
      await each(reporters, (r) => r.onScenarioStart?.({ id: scenario.id, title: scenario.title, file: scenario.file }))
      const goneBefore = gone.why
      // Each attempt gets its own index, so its client ids and topic prefix never meet a previous attempt's leftovers.
      let result = goneBefore
        ? notRun(scenario, goneBefore)
        : bad >= maxFailures
          ? stoppedEarly(scenario, `not run: the run stopped after ${bad} failed or errored scenario${bad === 1 ? '' : 's'} (--max-failures ${maxFailures})`)
          : await runWithRetries((attempt) => runScenario(scenario, target, { registry, runId, index: index + attempt * scenarios.length }), retries)
      // A failure against a target that no longer answers is the target's absence, not a verdict.
      if (!goneBefore && (result.status === 'failed' || result.status === 'errored')) {
        const why = await gone.check()
        if (why) result = targetGone(result, why)
      }
      if (isBad(result)) bad += 1
      results[index] = result
      await each(reporters, (r) => r.onScenarioEnd?.(result))
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, scenarios.length) }, worker))
  const report = buildReport({
    version: opts.version ?? '0.0.0',
    startedAt,
    finishedAt: new Date(),
    target: target.info,
    results,
    ...(opts.declared ? { declared: opts.declared } : {}),
    ...(opts.shard ? { shard: opts.shard } : {}),
  })
  await each(reporters, (r) => r.onRunEnd?.(report))
  return report
}

/**
 * Whether the target went away during the run, asked (once at a time) after a
 * scenario fails or errors. Targets without `stillThere` (the bundled broker)
 * never go away.
 */
function targetWatch(target: ResolvedTarget): { why: string | undefined; check(): Promise<string | undefined> } {
  let inFlight: Promise<string | undefined> | undefined
  const watch = {
    why: undefined as string | undefined,
    check: async () => {
      if (watch.why || !target.stillThere) return watch.why
      inFlight ??= target.stillThere().then(
        () => undefined,
        (err: unknown) => (watch.why = err instanceof HarnessError ? `${err.message} (${err.code})` : String(err)),
      ).finally(() => { inFlight = undefined })
      return inFlight
    },
  }
  return watch
}

const goneMessage = (why: string) => `the target went away during the run: ${why} (HX_TARGET_GONE)`

/** A failed or errored result turned errored: the target stopped answering, so it is no verdict. */
function targetGone(result: ScenarioResult, why: string): ScenarioResult {
  const verdicts = Object.fromEntries(Object.entries(result.verdicts ?? {}).map(([id, v]) => [id, v === 'passed' ? v : 'errored' as const]))
  return { ...result, status: 'errored', verdicts, failures: [{ message: goneMessage(why) }, ...result.failures] }
}

/** A scenario not run because the target had already gone away: errored. */
function notRun(scenario: Scenario, why: string): ScenarioResult {
  return {
    id: scenario.id, title: scenario.title, file: scenario.file, location: scenario.location,
    status: 'errored', requirements: scenario.spec,
    verdicts: Object.fromEntries(scenario.spec.map((id) => [id, 'errored' as const])),
    ...(scenario.matrix ? { matrix: scenario.matrix } : {}),
    durationMs: 0,
    failures: [{ message: `not run: ${goneMessage(why)}` }],
    steps: scenario.steps.map((st) => ({ index: st.index, kind: st.kind, status: 'skipped' as const, durationMs: 0, location: st.location })),
  }
}
