import { randomBytes } from 'node:crypto'
import { EXIT, readLoadScenarioFile, type LoadAbort, type LoadReport, type LoadScenario } from '../../spec/index.js'
import { ScenarioInvalidError } from '../errors.js'
import { peakRate, planStages, type Slice } from './arrival-plan.js'
import { buildLoadReport } from './build-load-report.js'
import { littlesLawWarning } from './capacity-check.js'
import { LoadSetupError } from './load-errors.js'
import type { LoadProgress } from './load-progress.js'
import { prepareLoadTarget } from './prepare-load-target.js'
import { deviceClientId } from './device-client-id.js'
import { runSlices } from './run-slices.js'
import { sliceRange, type SliceInput } from './slice-context.js'
import { writeLoadReports } from './write-load-reports.js'
import { watchStopFile } from './stop-file.js'

export interface RunLoadOptions {
  scenarioFile: string
  /** `bundled` (default) or a target file. */
  target?: string
  /** This machine's shard of a multi-machine run, 0-based index. */
  shard?: Slice
  /** Worker threads, each a slice of this shard's fleet and rate (default 1: in process). */
  workers?: number
  /** Multiplies every stage duration (0.1 for a quick try). */
  durationScale?: number
  /** Where to write load-report.{json,md,html}; nothing is written without it. */
  outDir?: string
  progress?: (p: LoadProgress) => void
  /** Run id (default: random); client ids and correlation ids carry it. */
  runId?: string
  /** Epoch ms at which the first stage begins (after the fleet connects): shards started with the same value line up. */
  startAt?: number
  /**
   * A file shared by the shards of one run: a shard whose abortOnFail
   * threshold fires writes the abort there, and every shard polling it stops
   * its plan too.
   */
  stopFile?: string
  /** Called once the scenario is valid, before anything connects (live metrics label their series with it). */
  onScenario?: (scenario: LoadScenario, runId: string) => void
  /** An abortOnFail threshold stopped the run (this process's or, through the stop file, another shard's). */
  onAborted?: (a: LoadAbort) => void
}

export interface LoadRunResult {
  report: LoadReport
  files: string[]
  exitCode: number
}

/** The exit code a load report's verdict means. */
export function exitCodeOf(r: LoadReport): number {
  return r.verdict === 'passed' ? EXIT.PASSED : r.verdict === 'thresholds-failed' ? EXIT.THRESHOLDS_FAILED : EXIT.FAILED
}

/** Client ids by global index of the devices this process simulates (for mTLS identities). */
function localDeviceIds(sc: LoadScenario, slices: readonly Slice[], runId: string): Map<number, string> {
  const ids = new Map<number, string>()
  const add = (g: number) => ids.set(g, deviceClientId(sc.devices.clientId, runId, g))
  for (const s of slices) {
    if (sc.pubsub) {
      const p = sliceRange(sc.pubsub.publishers, s)
      const q = sliceRange(sc.pubsub.subscribers, s)
      for (let g = p.start; g < p.end; g++) add(g)
      for (let g = q.start; g < q.end; g++) add(sc.pubsub.publishers + g)
    } else {
      const r = sliceRange(sc.devices.count!, s)
      for (let g = r.start; g < r.end; g++) add(g)
    }
  }
  return ids
}

function planWarnings(sc: LoadScenario, scale: number): string[] {
  const out: string[] = []
  const little = littlesLawWarning(sc, scale)
  if (little) out.push(little)
  if (sc.mode === 'direct-messages') {
    const rate = peakRate(planStages(sc.stages, scale))
    const n = sc.devices.count!
    const perDevice = typeof sc.targets === 'object' ? (rate * sc.targets.hot.share) / sc.targets.hot.devices : rate / n
    if (perDevice > 100) out.push(`a device receives up to ${perDevice.toFixed(0)} direct messages/s; AWS IoT Core allows 100 publishes/s per connection [LIM-PUB-RATE-100], so expect 429s (bundled: lift it with broker.overrides)`)
  }
  return out
}

/**
 * Runs a load scenario: validates it (every problem with file:line:col
 * before anything starts), resolves the target (the bundled broker on port 0
 * or a target file), runs this process's slices (in process or worker
 * threads), adds them up, checks the books and thresholds, and writes the
 * reports. The target is always torn down.
 */
export async function runLoad(opts: RunLoadOptions): Promise<LoadRunResult> {
  const { scenario, issues } = await readLoadScenarioFile(opts.scenarioFile)
  if (!scenario) throw new ScenarioInvalidError(issues)
  const shard = opts.shard ?? { index: 0, count: 1 }
  const workers = Math.max(1, opts.workers ?? 1)
  const scale = opts.durationScale ?? 1
  const runId = opts.runId ?? randomBytes(4).toString('hex')
  opts.onScenario?.(scenario, runId)
  const slices: Slice[] = Array.from({ length: workers }, (_, w) => ({ index: shard.index * workers + w, count: shard.count * workers }))
  const population = scenario.pubsub ? Math.min(scenario.pubsub.publishers, scenario.pubsub.subscribers) : scenario.devices.count!
  if (population < shard.count * workers) throw new LoadSetupError(`${shard.count * workers} slices (shards × workers) but only ${population} ${scenario.pubsub ? 'publishers or subscribers' : 'devices'}: every slice needs at least one`)
  const needIds = scenario.devices.transport === 'mtls'
  const startedAt = new Date().toISOString()
  const prepared = await prepareLoadTarget(scenario, opts.target ?? 'bundled', needIds ? localDeviceIds(scenario, slices, runId) : new Map())
  try {
    if (scenario.mode === 'direct-messages' && !prepared.endpoints.http) throw new LoadSetupError('direct-message load needs an HTTP data plane: the target file has no http.url')
    const inputs: SliceInput[] = slices.map((slice) => ({ scenario, endpoints: prepared.endpoints, slice, runId, durationScale: scale, ...(opts.startAt !== undefined ? { startAt: opts.startAt } : {}) }))
    const stopFile = opts.stopFile ? watchStopFile(opts.stopFile, Date.parse(startedAt)) : undefined
    const running = runSlices(inputs, { ...(opts.progress ? { onProgress: opts.progress } : {}), onAborted: (a) => { stopFile?.announce(a); opts.onAborted?.(a) } })
    stopFile?.onStop((a) => { running.stop(a); opts.onAborted?.(a) })
    const parts = await running.outputs.finally(() => stopFile?.close())
    const report = buildLoadReport({
      scenario, target: prepared.endpoints.target, runId, durationScale: scale, startedAt, finishedAt: new Date().toISOString(),
      ...(opts.startAt !== undefined ? { startAt: new Date(opts.startAt).toISOString() } : {}),
      warnings: [...planWarnings(scenario, scale), ...(stopFile?.warnings ?? [])],
    }, parts)
    const files = opts.outDir ? await writeLoadReports(report, opts.outDir) : []
    return { report, files, exitCode: exitCodeOf(report) }
  } finally {
    await prepared.teardown()
  }
}
