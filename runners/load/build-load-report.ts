import { LOAD_REPORT_FORMAT, LOAD_REPORT_VERSION, type LoadReport, type LoadScenario, type TargetInfo } from '../../spec/index.js'
import { earliestAbort, finalizeLoadReport, mergeDm, mergeFleet, mergePubsub, mergeSeries } from '../../reports/index.js'
import { toolVersion } from '../package-info.js'
import { peakRate, planStages } from './arrival-plan.js'
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

/** Adds the slices' outputs into one load report with its books, thresholds and verdict. */
export function buildLoadReport(meta: LoadReportMeta, parts: readonly SliceOutput[]): LoadReport {
  const sc = meta.scenario
  const stages = planStages(sc.stages, meta.durationScale)
  const dms = parts.flatMap((p) => (p.dm ? [p.dm] : []))
  const pss = parts.flatMap((p) => (p.pubsub ? [p.pubsub] : []))
  const closedLoop = parts.find((p) => p.closedLoop)?.closedLoop
  const aborted = earliestAbort(parts)
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
    ...(aborted ? { aborted } : {}),
    warnings: [...meta.warnings, ...parts.flatMap((p) => p.warnings.map((w) => (parts.length > 1 ? `slice ${p.slice.index + 1}/${p.slice.count}: ${w}` : w)))],
    verdict: 'passed',
  }
  return finalizeLoadReport(report, sc.parsedThresholds)
}
