import { readFile } from 'node:fs/promises'
import { loadReportSchema, type LoadReport } from '../../spec/index.js'
import { ReportInvalidError, ReportMergeConflictError } from '../errors.js'
import { reportProblems } from '../report-problems.js'
import { earliestAbort, mergeDm, mergeFleet, mergePubsub, mergeSeries } from './merge-load-parts.js'
import { finalizeLoadReport } from './finalize-load-report.js'

/** Reads and validates a load report JSON file (a shard's output). */
export async function readLoadReport(file: string): Promise<LoadReport> {
  let data: unknown
  try {
    data = JSON.parse(await readFile(file, 'utf8'))
  } catch (err) {
    throw new ReportInvalidError(file, [{ path: '', message: `cannot read JSON: ${(err as Error).message}` }])
  }
  const parsed = loadReportSchema.safeParse(data)
  if (!parsed.success) throw new ReportInvalidError(file, reportProblems(parsed.error).slice(0, 10))
  return parsed.data
}

/**
 * Adds shard reports of one load scenario into one: counts add, HDR
 * histograms add exactly, per-second series add second by second (each
 * shard counts from its own start). The books are checked and the
 * thresholds evaluated again on the sum (finalizeLoadReport).
 */
export function mergeLoadReports(reports: readonly LoadReport[]): LoadReport {
  const first = reports[0]
  if (!first) throw new ReportMergeConflictError('no load reports to merge')
  for (const r of reports) {
    if (r.scenario.id !== first.scenario.id) throw new ReportMergeConflictError(`load reports of different scenarios: ${first.scenario.id} and ${r.scenario.id}`)
  }
  const seen = new Set<string>()
  for (const s of reports.flatMap((r) => r.run.slices)) {
    const key = `${s.index}/${s.count}`
    if (seen.has(key)) throw new ReportMergeConflictError(`slice ${s.index + 1}/${s.count} appears twice: the same shard merged twice?`)
    seen.add(key)
  }
  const dms = reports.flatMap((r) => (r.dm ? [r.dm] : []))
  const pss = reports.flatMap((r) => (r.pubsub ? [r.pubsub] : []))
  const closedLoop = reports.find((r) => r.closedLoop)?.closedLoop
  const aborted = earliestAbort(reports)
  const starts = reports.map((r) => r.run.startedAt).sort()
  const ends = reports.map((r) => r.run.finishedAt).sort()
  const startedAt = starts[0]!
  const finishedAt = ends[ends.length - 1]!
  return finalizeLoadReport({
    ...first,
    run: { ...first.run, startedAt, finishedAt, durationMs: Date.parse(finishedAt) - Date.parse(startedAt), slices: reports.flatMap((r) => r.run.slices) },
    fleet: mergeFleet(reports.map((r) => r.fleet)),
    ...(dms.length ? { dm: mergeDm(dms) } : {}),
    ...(pss.length ? { pubsub: mergePubsub(pss) } : {}),
    series: mergeSeries(reports.map((r) => r.series)),
    ...(closedLoop ? { closedLoop } : {}),
    ...(aborted ? { aborted } : {}),
    warnings: [...new Set(reports.flatMap((r) => r.warnings))],
  })
}
