/**
 * The deviation sweep: the whole default corpus against the bundled broker,
 * once as documented and once per deliberate deviation
 * (reference-broker/deviations.ts), to show that every scenario can fail and
 * that each deviation turns red the scenarios of the behaviour it breaks and
 * only a few others.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { z } from 'zod'
import { deviations as allDeviations, loadProfile, type Deviation } from '../../reference-broker/index.js'
import { flattenLimits, startBundledTarget } from '../../runners/index.js'
import type { Scenario, ScenarioResult } from '../../spec/index.js'
import { isClean, loadCorpus, pool, repoRoot, runCorpus } from './corpus.js'

/** What one broker (documented, or with one deviation) did with the corpus. */
export interface SweepRun {
  /** null: the broker as documented. */
  deviation: string | null
  results: Map<string, ScenarioResult>
  durationMs: number
  /** Scenario ids whose verdict changed when re-run alone (load-sensitive), with both verdicts. */
  rerun: { id: string; first: string; second: string }[]
  /** Why the broker could not run the corpus (e.g. a deviation the profile refuses); results are then empty. */
  error?: string
}

export interface SweepOptions {
  /** Brokers running the corpus at the same time. */
  parallel: number
  /** Scenarios running at once against each broker. */
  concurrency: number
  /** Only these deviations (default: every one). */
  names?: readonly string[]
  /** Progress lines (default: none). */
  log?: (line: string) => void
}

export interface Sweep {
  scenarios: Scenario[]
  baseline: SweepRun
  runs: SweepRun[]
  deviations: Deviation[]
  durationMs: number
  /** Share of the sweep's wall time this process's event loop was busy (0..1): how close it came to one core. */
  eventLoopUtilization: number
}

/** Scenarios whose verdict decides something: those a deviation is expected to fail, and the rest. */
export function expectedToFail(d: Deviation, scenarios: readonly Scenario[]): Scenario[] {
  const breaks = new Set(d.breaks)
  return scenarios.filter((s) => s.spec.some((id) => breaks.has(id)))
}

/** The verdict a run should have for a scenario, to decide whether re-running it alone is worth it. */
function unexpected(d: Deviation | null, s: Scenario, r: ScenarioResult, baseline: SweepRun | null): boolean {
  if (!d) return !isClean(r.status)
  if (baseline && !isClean(baseline.results.get(s.id)!.status)) return false
  const breaks = new Set(d.breaks)
  const expected = s.spec.some((id) => breaks.has(id))
  return expected ? r.status !== 'failed' : r.status === 'failed' || r.status === 'errored'
}

async function runOnce(deviation: string | null, scenarios: readonly Scenario[], concurrency: number): Promise<Map<string, ScenarioResult>> {
  const target = await startBundledTarget({ logLevel: 'error', ...(deviation ? { deviations: [deviation] } : {}) })
  try {
    const report = await runCorpus(scenarios, target, concurrency)
    return new Map(report.scenarios.map((r) => [r.id, r]))
  } finally {
    await target.teardown()
  }
}

/**
 * Runs the corpus against the documented broker and every deviation,
 * `parallel` brokers at a time. Afterwards, scenarios with a verdict the
 * sweep did not expect are run again alone (a quiet machine, low
 * concurrency), so a timing-sensitive scenario hurt by the parallel load is
 * told apart from a real outcome; both verdicts are kept in `rerun`.
 */
export async function sweepDeviations(opts: SweepOptions): Promise<Sweep> {
  const started = performance.now()
  const elu = performance.eventLoopUtilization()
  const log = opts.log ?? (() => {})
  const profile = loadProfile('aws-iot-core')
  // The broker runs with the deviation, but the scenarios keep the documented limits.
  const scenarios = await loadCorpus(flattenLimits(profile))
  const deviations = [...allDeviations.values()].filter((d) => !opts.names || opts.names.includes(d.name))
  const names: (string | null)[] = [null, ...deviations.map((d) => d.name)]
  const runs = await pool(names, opts.parallel, async (name): Promise<SweepRun> => {
    const t0 = performance.now()
    let results: Map<string, ScenarioResult>
    try {
      results = await runOnce(name, scenarios, opts.concurrency)
    } catch (err) {
      log(`  ${name ?? '(no deviation)'}: could not run: ${(err as Error).message}`)
      return { deviation: name, results: new Map(), durationMs: performance.now() - t0, rerun: [], error: (err as Error).message }
    }
    const durationMs = performance.now() - t0
    const failed = [...results.values()].filter((r) => r.status === 'failed' || r.status === 'errored').length
    log(`  ${name ?? '(no deviation)'}: ${failed} of ${results.size} not passed in ${(durationMs / 1000).toFixed(1)} s`)
    return { deviation: name, results, durationMs, rerun: [] }
  })
  const baseline = runs[0]!
  if (baseline.error) throw new Error(`the bundled broker without deviation could not run the corpus: ${baseline.error}`)
  // Confirm surprising verdicts one deviation at a time, at low concurrency.
  for (const run of runs) {
    if (run.error) continue
    const d = run.deviation ? allDeviations.get(run.deviation)! : null
    const suspects = scenarios.filter((s) => unexpected(d, s, run.results.get(s.id)!, run === baseline ? null : baseline))
    if (!suspects.length) continue
    const again = await runOnce(run.deviation, suspects, 4)
    for (const s of suspects) {
      const first = run.results.get(s.id)!
      const second = again.get(s.id)!
      if (first.status !== second.status) {
        run.rerun.push({ id: s.id, first: first.status, second: second.status })
        run.results.set(s.id, second)
      }
    }
  }
  return { scenarios, baseline, runs: runs.slice(1), deviations, durationMs: performance.now() - started, eventLoopUtilization: performance.eventLoopUtilization(elu).utilization }
}

/**
 * How one deviation fared against the corpus. A scenario document tagged with
 * an id the deviation breaks must end `failed` in at least one matrix cell
 * and errored in none: a cell may legitimately stay green when the broken
 * behaviour belongs to the other protocol version (those cells are listed in
 * `greenCells`, for information). Other scenarios count cell by cell.
 */
export interface DeviationVerdict {
  deviation: Deviation
  /** Tagged scenario documents with no failed cell, or with an errored one: their cells. */
  notFailed: ScenarioResult[]
  /** Tagged cells that ended `failed`. */
  caught: ScenarioResult[]
  /** Tagged cells that passed while another cell of the same document failed. */
  greenCells: ScenarioResult[]
  /** Other scenario cells that failed or errored (their baseline run was clean). */
  others: ScenarioResult[]
}

export function judgeDeviation(sweep: Sweep, run: SweepRun): DeviationVerdict {
  const deviation = sweep.deviations.find((d) => d.name === run.deviation)!
  const expected = new Set(expectedToFail(deviation, sweep.scenarios).map((s) => s.id))
  const verdict: DeviationVerdict = { deviation, notFailed: [], caught: [], greenCells: [], others: [] }
  const documents = new Map<string, ScenarioResult[]>()
  for (const s of sweep.scenarios) {
    const r = run.results.get(s.id)!
    const base = sweep.baseline.results.get(s.id)!
    if (expected.has(s.id)) {
      // A cell that does not pass on the documented broker proves nothing here; the baseline check reports it.
      if (base.status !== 'passed') continue
      documents.set(s.baseId, [...(documents.get(s.baseId) ?? []), r])
    } else if (isClean(base.status) && (r.status === 'failed' || r.status === 'errored')) {
      verdict.others.push(r)
    }
  }
  for (const cells of documents.values()) {
    const failed = cells.filter((r) => r.status === 'failed')
    verdict.caught.push(...failed)
    if (!failed.length || cells.some((r) => r.status === 'errored')) verdict.notFailed.push(...cells.filter((r) => r.status !== 'failed'))
    else verdict.greenCells.push(...cells.filter((r) => r.status !== 'failed'))
  }
  return verdict
}

// ---------------------------------------------------------------------------
// The allowlist of scenarios no deviation catches.

export const NOT_CAUGHT_FILE = join(repoRoot, 'test/corpus/not-caught-by-deviation.yaml')

const notCaughtEntrySchema = z.strictObject({
  /** A scenario id (every cell of it) or one cell id (`name[version=5]`). */
  scenario: z.string().min(1),
  /** The independent evidence that the scenario can fail, in one line. */
  evidence: z.string().min(10),
  /** The mosquitto baseline(s) where it is recorded as failed (checked against test/baselines/). */
  mosquitto: z.array(z.enum(['mqtt-5', 'aws-iot-core'])).optional(),
  /** A test file that shows the failure some other way (checked to exist). */
  test: z.string().optional(),
}).refine((e) => e.mosquitto?.length || e.test, { message: 'name the evidence that can be checked: mosquitto: [profile] or test: file' })

export type NotCaughtEntry = z.infer<typeof notCaughtEntrySchema>

export function readNotCaught(file = NOT_CAUGHT_FILE): NotCaughtEntry[] {
  const data: unknown = parse(readFileSync(file, 'utf8')) ?? []
  const parsed = z.array(notCaughtEntrySchema).safeParse(data)
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`)
  return parsed.data
}

/** Whether an allowlist entry names this scenario cell. */
export function entryCovers(entry: NotCaughtEntry, s: Pick<Scenario, 'id' | 'baseId'>): boolean {
  return entry.scenario === s.id || entry.scenario === s.baseId
}
