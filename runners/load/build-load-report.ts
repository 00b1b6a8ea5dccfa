import { LOAD_REPORT_FORMAT, LOAD_REPORT_VERSION, parseThreshold, type LoadAbort, type LoadReport, type LoadScenario, type SourceLocation, type TargetInfo, type Threshold } from '../../spec/index.js'
import { checkBooks, mergeDm, mergeFleet, mergePubsub, mergeSeries } from '../../reports/index.js'
import { toolVersion } from '../package-info.js'
import { peakRate, planStages } from './arrival-plan.js'
import { evaluateThresholds } from './evaluate-thresholds.js'
import type { SliceOutput } from './slice-context.js'

export interface LoadReportMeta {
  scenario: LoadScenario
  target: TargetInfo
  runId: string
  durationScale: number
  startedAt: string
  finishedAt: string
  /** The common start time the shards waited for (ISO). */
  startAt?: string
  warnings: string[]
}

/** Re-checks the books, re-evaluates the thresholds and sets the verdict (after a run or a merge). */
export function finalizeLoadReport(r: LoadReport, thresholds: readonly { threshold: Threshold; location?: SourceLocation }[]): LoadReport {
  const books = checkBooks(r)
  const results = evaluateThresholds(r, thresholds)
  // A run an abortOnFail threshold stopped early failed its thresholds, whatever the shortened run's numbers say at the end.
  const verdict: LoadReport['verdict'] = !books.balanced ? 'books-unbalanced' : results.every((t) => t.passed) && !r.aborted ? 'passed' : 'thresholds-failed'
  return { ...r, books, thresholds: results, verdict }
}

/** The thresholds a report carries, parsed again (merging shards re-evaluates them on the sum). */
export function thresholdsOfReport(r: LoadReport): { threshold: Threshold; location?: SourceLocation }[] {
  // abortOnFail plays no part after the run: a merge re-evaluates every threshold on the sum.
  return r.scenario.thresholds.flatMap((t) => {
    const p = parseThreshold(t.expression, r.scenario.mode)
    return 'threshold' in p ? [{ threshold: p.threshold, ...(t.location ? { location: t.location } : {}) }] : []
  })
}

/** The abort that stopped the run: the earliest of the slices' (each slice carries the one it heard first). */
export function earliestAbort(parts: readonly { aborted?: LoadAbort }[]): LoadAbort | undefined {
  return parts.flatMap((p) => (p.aborted ? [p.aborted] : [])).sort((a, b) => a.at.localeCompare(b.at))[0]
}

/** Adds the slices' outputs into one load report with its books, thresholds and verdict. */
export function buildLoadReport(meta: LoadReportMeta, parts: readonly SliceOutput[]): LoadReport {
  const sc = meta.scenario
  const stages = planStages(sc.stages, meta.durationScale)
  const dms = parts.flatMap((p) => (p.dm ? [p.dm] : []))
  const pss = parts.flatMap((p) => (p.pubsub ? [p.pubsub] : []))
  const closedLoop = parts.find((p) => p.closedLoop)?.closedLoop
  const report: LoadReport = {
    format: LOAD_REPORT_FORMAT,
    version: LOAD_REPORT_VERSION,
    tool: { name: 'mqtt-harness', version: toolVersion() },
    scenario: {
      id: sc.id, title: sc.title, file: sc.file, mode: sc.mode,
      thresholds: sc.parsedThresholds.map((t) => ({ expression: t.threshold.source, location: t.location, ...(t.abort ? { abortOnFail: t.abort } : {}) })),
    },
    target: meta.target,
    run: {
      id: meta.runId,
      startedAt: meta.startedAt,
      finishedAt: meta.finishedAt,
      durationMs: Date.parse(meta.finishedAt) - Date.parse(meta.startedAt),
      slices: parts.map((p) => ({ ...p.slice, ...(p.scheduleStartedAt ? { scheduleStartedAt: p.scheduleStartedAt } : {}) })),
      durationScale: meta.durationScale,
      ...(meta.startAt ? { startAt: meta.startAt } : {}),
    },
    plan: {
      arrival: sc.arrival,
      stages: stages.map((s) => ({ stage: s.stage, durationMs: s.durationMs, from: s.from, rate: s.to })),
      peakRate: peakRate(stages),
      httpConnections: sc.http.connections,
    },
    fleet: mergeFleet(parts.map((p) => p.fleet)),
    ...(dms.length ? { dm: mergeDm(dms) } : {}),
    ...(pss.length ? { pubsub: mergePubsub(pss) } : {}),
    series: mergeSeries(parts.map((p) => p.series)),
    ...(closedLoop ? { closedLoop } : {}),
    books: { balanced: true, problems: [] },
    thresholds: [],
    ...(earliestAbort(parts) ? { aborted: earliestAbort(parts)! } : {}),
    warnings: [...meta.warnings, ...parts.flatMap((p) => p.warnings.map((w) => (parts.length > 1 ? `slice ${p.slice.index + 1}/${p.slice.count}: ${w}` : w)))],
    verdict: 'passed',
  }
  return finalizeLoadReport(report, sc.parsedThresholds)
}
