import { randomBytes } from 'node:crypto'
import type { RunReport, Scenario, ScenarioResult } from '../spec/index.js'
import { buildReport, type DeclaredRequirement } from './build-report.js'
import type { RunnerReporter } from './reporter.js'
import { HarnessError } from './errors.js'
import { runScenario } from './run-scenario.js'
import type { StepRegistry } from './step-registry.js'
import { createStepRegistry } from './steps/index.js'
import type { ResolvedTarget } from './targets/resolved-target.js'

/** Default number of scenarios running at once. */
export const DEFAULT_CONCURRENCY = 8

export interface RunScenariosOptions {
  concurrency?: number
  reporters?: readonly RunnerReporter[]
  registry?: StepRegistry
  /** Requirements to list even when no scenario checks them (the catalogue). */
  declared?: readonly DeclaredRequirement[]
  shard?: { index: number; total: number }
  /** Tool version for the report. */
  version?: string
  /** Run id used in client ids and topic prefixes (default: random). */
  runId?: string
}

async function each(reporters: readonly RunnerReporter[], call: (r: RunnerReporter) => void | Promise<void> | undefined): Promise<void> {
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
  await each(reporters, (r) => r.onRunStart?.({ total: scenarios.length, target: target.info, startedAt: startedAt.toISOString() }))
  const results: ScenarioResult[] = new Array(scenarios.length)
  const gone = targetWatch(target)
  let next = 0
  const worker = async () => {
    while (next < scenarios.length) {
      const index = next++
      const scenario = scenarios[index]!
      await each(reporters, (r) => r.onScenarioStart?.({ id: scenario.id, title: scenario.title, file: scenario.file }))
      const goneBefore = gone.why
      let result = goneBefore ? notRun(scenario, goneBefore) : await runScenario(scenario, target, { registry, runId, index })
      // A failure against a target that no longer answers is the target's absence, not a verdict.
      if (!goneBefore && (result.status === 'failed' || result.status === 'errored')) {
        const why = await gone.check()
        if (why) result = targetGone(result, why)
      }
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
