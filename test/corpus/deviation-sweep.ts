/**
 * The deviation sweep: the whole default corpus against the bundled broker,
 * once as documented and once per deliberate deviation
 * (reference-broker/deviations.ts), to show that every scenario can fail and
 * that each deviation turns red the scenarios of the behaviour it breaks and
 * only a few others.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import { z } from 'zod'
import { deviations as allDeviations, loadProfile, type Deviation } from '../../reference-broker/index.js'
import { DEFAULT_CONCURRENCY, createStepRegistry, flattenLimits, runScenario, startBundledTarget, type ResolvedTarget } from '../../runners/index.js'
import type { Outcome, RequirementVerdict, Scenario, ScenarioResult } from '../../spec/index.js'
import { isClean, readCorpus, oneLine, pool, repoRoot } from './corpus.js'

/** A scenario cell's verdict, as much as the sweep needs of it. */
export interface CellVerdict {
  id: string
  status: Outcome
  /** The first failure's message, or the skip/waive reason. */
  message?: string
  /** Verdict per requirement, from the steps that check it (attribution). */
  verdicts?: Record<string, RequirementVerdict>
}

/**
 * Whether a deviation's failure of this cell is a catch: failed, and failed by
 * an assertion that checks a requirement the deviation breaks (a failing
 * set-up step, or another requirement's assertion, proves nothing about it).
 */
export function caughtBy(d: Deviation, r: CellVerdict): boolean {
  return r.status === 'failed' && (r.verdicts === undefined || d.breaks.some((id) => r.verdicts![id] === 'failed'))
}

/** What one broker (documented, or with one deviation) did with the corpus. */
export interface SweepRun {
  /** null: the broker as documented. */
  deviation: string | null
  results: Map<string, CellVerdict>
  /** From the broker's start to its last scenario's end. */
  durationMs: number
  /** Scenario ids whose verdict changed when re-run alone (load-sensitive), with both verdicts. */
  rerun: { id: string; first: string; second: string }[]
  /** Why the broker could not run the corpus (e.g. a deviation the profile refuses); results are then empty. */
  error?: string
}

export interface SweepOptions {
  /** Processes sharing the brokers (default: the machine's cores, at most 4): one event loop each. */
  workers?: number
  /** Scenarios running at once in each process, over all its brokers (default 64). */
  concurrency?: number
  /** Scenarios running at once against one broker (default: run's default concurrency, 8, what the corpus is written for). */
  perBroker?: number
  /** Only these deviations (default: every one). */
  names?: readonly string[]
  /** `full` (default): the whole corpus under every deviation (also shows each fails few others); `targeted`: only its own cells (roleOf not `other`). */
  scope?: SweepScope
  /** Progress lines (default: none). */
  log?: (line: string) => void
}

export interface Sweep {
  scenarios: Scenario[]
  /** Which cells each deviation ran (SweepOptions.scope). */
  scope: SweepScope
  baseline: SweepRun
  runs: SweepRun[]
  deviations: Deviation[]
  durationMs: number
  workers: number
  concurrency: number
  perBroker: number
  /** Per worker process: the share of its wall time its event loop was busy (0..1). */
  eventLoopUtilization: number[]
}

export type SweepScope = 'full' | 'targeted'
/** The corpus positions a broker runs: all for the documented broker and in a full sweep. */
export function cellsFor(name: string | null, scenarios: readonly Scenario[], scope: SweepScope): number[] {
  const all = scenarios.map((_, i) => i)
  const d = name === null ? undefined : allDeviations.get(name)
  return scope === 'full' || !d ? all : all.filter((i) => roleOf(d, scenarios[i]!) !== 'other')
}

/** Whether a scenario is tagged with an id the deviation breaks. */
function tagged(d: Deviation, s: Scenario): boolean {
  return s.spec.some((id) => d.breaks.includes(id))
}

/** Whether a catalogue id matches a pattern: the id itself, or a prefix ending in `*`. */
export function idMatches(pattern: string, id: string): boolean {
  return pattern.endsWith('*') ? id.startsWith(pattern.slice(0, -1)) : pattern === id
}

/**
 * How a deviation's sweep treats a scenario: `expected` must fail (tagged with
 * an id it breaks, and named in `scenarios` when the deviation narrows them),
 * `spared` is tagged but checks another aspect (may pass or fail), `dependent`
 * relies on the broken behaviour to set up what it checks (may fail), `other`
 * must stay green apart from a few.
 */
export type Role = 'expected' | 'spared' | 'dependent' | 'other'

export function roleOf(d: Deviation, s: Scenario): Role {
  if (tagged(d, s)) return !d.scenarios || d.scenarios.includes(s.baseId) ? 'expected' : 'spared'
  if (d.dependents && s.spec.some((id) => d.dependents!.ids.some((p) => idMatches(p, id)))) return 'dependent'
  return 'other'
}

/** The scenario cells a deviation must fail. */
export function expectedToFail(d: Deviation, scenarios: readonly Scenario[]): Scenario[] {
  return scenarios.filter((s) => roleOf(d, s) === 'expected')
}

/** One line for a cell verdict: id, status, and the failure or reason. */
export function describeVerdict(r: CellVerdict): string {
  return `${r.id}: ${r.status}${r.message ? ` (${oneLine(r.message, 160)})` : ''}`
}

function toVerdict(r: ScenarioResult): CellVerdict {
  const message = r.failures[0]?.message ?? r.reason
  return { id: r.id, status: r.status, ...(message ? { message } : {}), ...(r.verdicts ? { verdicts: r.verdicts } : {}) }
}

/** The verdict a run should have for a scenario, to decide whether re-running it alone is worth it. */
function unexpected(d: Deviation | null, s: Scenario, r: CellVerdict, baseline: SweepRun | null): boolean {
  if (!d) return !isClean(r.status)
  if (baseline && !isClean(baseline.results.get(s.id)?.status ?? 'errored')) return false
  const role = roleOf(d, s)
  if (role === 'expected') return !caughtBy(d, r)
  return role === 'other' && (r.status === 'failed' || r.status === 'errored')
}

/** The documented profile's limits: a broker with a deviation still has its scenarios expect the documented behaviour. */
export async function readSweepCorpus(): Promise<Scenario[]> {
  return readCorpus(flattenLimits(loadProfile('aws-iot-core')))
}

/** What a worker process reports for each of its brokers. */
export interface RawRun { deviation: string | null; results: CellVerdict[]; durationMs: number; error?: string }

/**
 * Runs every scenario against a broker per name (null: no deviation) in this
 * process: `concurrency` scenarios at once over all brokers, at most
 * `perBroker` of them on one broker (as `run --concurrency` would). Brokers
 * start when their first scenario is picked and stop after their last, so
 * the long scenarios of one broker overlap the next broker's. Uses the
 * runner's library API (runScenario), as `mqtt-harness run` does.
 */
export async function runBrokers(names: readonly (string | null)[], scenarios: readonly Scenario[], concurrency: number, perBroker = DEFAULT_CONCURRENCY, log: (line: string) => void = () => {}, scope: SweepScope = 'full'): Promise<RawRun[]> {
  const registry = createStepRegistry()
  // Each broker starts at another point of its cells (a rotation), so that brokers running side by
  // side are not all in the same heavy scenario at once (e.g. a burst of 300 HTTP requests).
  const state = names.map((name, k) => {
    const cells = cellsFor(name, scenarios, scope)
    const first = Math.floor(((k * 0.618034) % 1) * cells.length)
    return {
      order: cells.map((_, i) => cells[(i + first) % cells.length]!),
      name, runId: randomBytes(3).toString('hex'), target: undefined as Promise<ResolvedTarget> | undefined,
      started: 0, nextScenario: 0, inFlight: 0, left: cells.length,
      results: [] as CellVerdict[],
      run: { deviation: name, results: [], durationMs: 0 } as RawRun,
    }
  })
  type State = (typeof state)[number]
  const finish = async (st: State) => {
    if (--st.left > 0) return
    st.run.durationMs = performance.now() - st.started
    st.run.results = st.results.filter(Boolean)
    const target = await st.target!.catch(() => undefined)
    await target?.teardown().catch(() => {})
    const bad = st.run.results.filter((r) => r.status === 'failed' || r.status === 'errored').length
    log(st.run.error ? `  ${st.name ?? '(no deviation)'}: could not run: ${oneLine(st.run.error)}` : `  ${st.name ?? '(no deviation)'}: ${bad} of ${st.order.length} not passed, ${(st.run.durationMs / 1000).toFixed(1)} s`)
  }
  // Waiters for a slot when every broker with scenarios left is at its limit.
  let wake: (() => void)[] = []
  const pick = (): { st: State; index: number } | 'wait' | 'done' => {
    let pending = false
    for (const st of state) {
      if (st.nextScenario >= st.order.length) continue
      pending = true
      if (st.inFlight < perBroker) return { st, index: st.order[st.nextScenario++]! }
    }
    return pending ? 'wait' : 'done'
  }
  const worker = async () => {
    for (;;) {
      const task = pick()
      if (task === 'done') return
      if (task === 'wait') { await new Promise<void>((r) => wake.push(r)); continue }
      const { st, index } = task
      st.inFlight++
      try {
        if (!st.target) {
          st.started = performance.now()
          st.target = startBundledTarget({ logLevel: 'error', ...(st.name ? { deviations: [st.name] } : {}) })
          st.target.catch((err: Error) => { st.run.error = err.message })
        }
        const target = await st.target.catch(() => undefined)
        if (target) st.results[index] = toVerdict(await runScenario(scenarios[index]!, target, { registry, runId: st.runId, index }))
      } finally {
        st.inFlight--
        const waiting = wake
        wake = []
        for (const w of waiting) w()
      }
      await finish(st)
    }
  }
  // Ramp up over ~3 s rather than starting every scenario while the process is still cold.
  const slots = Math.max(1, Math.min(concurrency, state.reduce((n, st) => n + st.order.length, 0)))
  await Promise.all(Array.from({ length: slots }, (_, i) => new Promise((r) => setTimeout(r, Math.round((i * 3000) / slots))).then(worker)))
  return state.map((st) => st.run)
}

const WORKER_FILE = join(repoRoot, 'test/corpus/sweep-worker.ts')

/** Runs `runBrokers` in a child process (its own event loop, so its own core). */
function runInWorker(names: readonly (string | null)[], concurrency: number, perBroker: number, log: (line: string) => void, scope: SweepScope): Promise<{ runs: RawRun[]; elu: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'hx-sweep-'))
  const out = join(dir, 'runs.json')
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER_FILE, out, String(concurrency), String(perBroker), JSON.stringify(names), scope], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] })
    let buffered = ''
    let tail = ''
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      tail = (tail + chunk).slice(-4000)
      buffered += chunk
      const lines = buffered.split('\n')
      buffered = lines.pop()!
      for (const l of lines) if (l.trim()) log(l)
    })
    child.once('error', reject)
    child.once('exit', (code) => {
      try {
        if (code !== 0) throw new Error(`sweep worker exited with ${code}: ${tail.trim()}`)
        resolve(JSON.parse(readFileSync(out, 'utf8')) as { runs: RawRun[]; elu: number })
      } catch (err) {
        reject(err)
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    })
  })
}

/**
 * Runs the corpus against the documented broker and every deviation, spread
 * over worker processes. Afterwards, scenarios with a verdict the sweep did
 * not expect are run again alone (a quiet machine, low concurrency), so a
 * timing-sensitive scenario hurt by the parallel load is told apart from a
 * real outcome; both verdicts are kept in `rerun`. A scenario found
 * load-sensitive that way has its catches (failed under a deviation that
 * breaks what it checks) confirmed alone too.
 */
export async function sweepDeviations(opts: SweepOptions = {}): Promise<Sweep> {
  const started = performance.now()
  const log = opts.log ?? (() => {})
  const workers = Math.max(1, opts.workers ?? Math.min(4, availableParallelism()))
  const concurrency = opts.concurrency ?? 64
  const scope = opts.scope ?? 'full'
  const perBroker = opts.perBroker ?? DEFAULT_CONCURRENCY
  const scenarios = await readSweepCorpus()
  // A deviation of a plain-MQTT profile (`profile`) breaks what aws-iot-core overrides: its own test runs it.
  const deviations = [...allDeviations.values()].filter((d) => !d.profile && (!opts.names || opts.names.includes(d.name)))
  const names: (string | null)[] = [null, ...deviations.map((d) => d.name)]
  // Interleaved shares, so each worker gets early and late deviations alike.
  const shares = Array.from({ length: workers }, (_, w) => names.filter((_, i) => i % workers === w)).filter((s) => s.length)
  const outcomes = await Promise.all(shares.map((share) => runInWorker(share, concurrency, perBroker, log, scope)))
  const byName = new Map(outcomes.flatMap((o) => o.runs).map((r) => [r.deviation, r]))
  const runs: SweepRun[] = names.map((name) => {
    const raw = byName.get(name)
    if (!raw) return { deviation: name, results: new Map(), durationMs: 0, rerun: [], error: 'no worker ran it' }
    const results = new Map(raw.results.map((r) => [r.id, r]))
    // A scenario edited between this process's load and the worker's is reported, not silently dropped.
    for (const i of cellsFor(name, scenarios, scope)) if (!raw.error && !results.has(scenarios[i]!.id)) results.set(scenarios[i]!.id, { id: scenarios[i]!.id, status: 'errored', message: 'not run by the sweep worker (the corpus changed during the sweep?)' })
    return { deviation: name, results, durationMs: raw.durationMs, rerun: [], ...(raw.error ? { error: raw.error } : {}) }
  })
  const baseline = runs[0]!
  if (baseline.error) throw new Error(`the bundled broker without deviation could not run the corpus: ${baseline.error}`)
  // Confirm surprising verdicts in this process, after the load is gone: the documented broker's
  // first (the others are judged against it), then a few brokers at a time.
  const confirm = async (run: SweepRun) => {
    const d = run.deviation ? allDeviations.get(run.deviation)! : null
    const suspects = scenarios.filter((s) => run.results.has(s.id) && unexpected(d, s, run.results.get(s.id)!, run === baseline ? null : baseline))
    if (!suspects.length) return
    const [again] = await runBrokers([run.deviation], suspects, 4, 4)
    for (const second of again!.results) {
      const first = run.results.get(second.id)!
      if (first.status !== second.status) {
        run.rerun.push({ id: second.id, first: first.status, second: second.status })
        run.results.set(second.id, second)
      }
    }
  }
  await confirm(baseline)
  await pool(runs.slice(1).filter((r) => !r.error), 6, confirm)
  // A scenario that failed somewhere only because of the load may also have "failed" under a
  // deviation it does not detect: confirm those catches alone too.
  const loadSensitive = new Set(runs.flatMap((r) => r.rerun.filter((x) => x.first !== 'passed' && x.second === 'passed').map((x) => x.id)))
  if (loadSensitive.size) {
    await pool(runs.slice(1).filter((r) => !r.error), 6, async (run) => {
      const d = allDeviations.get(run.deviation!)!
      const suspects = expectedToFail(d, scenarios).filter((s) => loadSensitive.has(s.id) && caughtBy(d, run.results.get(s.id)!) && !run.rerun.some((x) => x.id === s.id))
      if (!suspects.length) return
      const [again] = await runBrokers([run.deviation], suspects, 4, 4)
      for (const second of again!.results) {
        if (!caughtBy(d, second)) {
          run.rerun.push({ id: second.id, first: 'failed', second: second.status })
          run.results.set(second.id, second)
        }
      }
    })
  }
  return { scenarios, scope, baseline, runs: runs.slice(1), deviations, durationMs: performance.now() - started, workers: shares.length, concurrency, perBroker, eventLoopUtilization: outcomes.map((o) => o.elu) }
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
  notFailed: CellVerdict[]
  /** Tagged cells that ended `failed`. */
  caught: CellVerdict[]
  /** Tagged cells that passed while another cell of the same document failed. */
  greenCells: CellVerdict[]
  /** Cells that rely on the broken behaviour (the deviation's `dependents`) and failed or errored. */
  dependents: CellVerdict[]
  /** Other scenario cells that failed or errored (their baseline run was clean). */
  others: CellVerdict[]
}

export function judgeDeviation(sweep: Sweep, run: SweepRun): DeviationVerdict {
  const deviation = sweep.deviations.find((d) => d.name === run.deviation)!
  const verdict: DeviationVerdict = { deviation, notFailed: [], caught: [], greenCells: [], dependents: [], others: [] }
  const documents = new Map<string, CellVerdict[]>()
  for (const s of sweep.scenarios) {
    const r = run.results.get(s.id)
    if (!r) continue // not run: a targeted sweep runs only the deviation's own cells
    const base = sweep.baseline.results.get(s.id)!
    const role = roleOf(deviation, s)
    if (role === 'expected') {
      // A cell that does not pass on the documented broker proves nothing here; the baseline check reports it.
      if (base.status !== 'passed') continue
      documents.set(s.baseId, [...(documents.get(s.baseId) ?? []), r])
    } else if (role !== 'spared' && isClean(base.status) && (r.status === 'failed' || r.status === 'errored')) {
      verdict[role === 'dependent' ? 'dependents' : 'others'].push(r)
    }
  }
  for (const cells of documents.values()) {
    const failed = cells.filter((r) => caughtBy(deviation, r))
    verdict.caught.push(...failed)
    if (!failed.length || cells.some((r) => r.status === 'errored')) verdict.notFailed.push(...cells.filter((r) => !caughtBy(deviation, r)))
    else verdict.greenCells.push(...cells.filter((r) => !caughtBy(deviation, r)))
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
