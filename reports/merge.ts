import { REPORT_SCHEMA_VERSION, type RunReport, type ScenarioResult } from '../spec/index.js'
import { ReportMergeConflictError, ReportVersionError } from './errors.js'
import { resolveRequirements } from './resolve-requirements.js'
import { summarizeScenarios } from './summarize-scenarios.js'

/** Options for {@link mergeReports}. */
export interface MergeOptions {
  /** A name per report (its file) for error messages; `report #n` otherwise. */
  sources?: readonly string[]
}

/** Compares ISO timestamps by time; falls back to text order for unparseable ones. */
function compareTimes(a: string, b: string): number {
  const ta = Date.parse(a), tb = Date.parse(b)
  if (Number.isNaN(ta) || Number.isNaN(tb)) return a < b ? -1 : a > b ? 1 : 0
  return ta - tb
}

const earliest = (a: string, b: string) => (compareTimes(b, a) < 0 ? b : a)
const latest = (a: string, b: string) => (compareTimes(b, a) > 0 ? b : a)

function mergeRecords(name: string, records: { source: string; record: Record<string, string> }[]): Record<string, string> {
  const out: Record<string, string> = {}
  const from: Record<string, string> = {}
  for (const { source, record } of records) {
    for (const [k, v] of Object.entries(record)) {
      if (k in out && out[k] !== v) {
        throw new ReportMergeConflictError(`the reports disagree on ${name} "${k}": ${JSON.stringify(out[k])} in ${from[k]}, ${JSON.stringify(v)} in ${source}; merge only shards of one run`)
      }
      out[k] = v
      from[k] ??= source
    }
  }
  return out
}

/**
 * Joins the reports of shards of one run: scenarios are concatenated in the
 * order given, the summary is recounted, and each requirement takes the worst
 * outcome (OUTCOME_SEVERITY) of its scenarios across all shards, or
 * `untested` (keeping the shards' reason) when none checks it.
 * @throws ReportVersionError (HX_REPORT_VERSION) for mixed or unknown schema versions
 * @throws ReportMergeConflictError (HX_REPORT_MERGE_CONFLICT) for no reports, a scenario
 *   id in two reports, or reports against different targets or profiles
 */
export function mergeReports(reports: readonly RunReport[], opts: MergeOptions = {}): RunReport {
  const source = (i: number) => opts.sources?.[i] ?? `report #${i + 1}`
  const first = reports[0]
  if (!first) throw new ReportMergeConflictError('no reports to merge')
  // Typed input can still come from JSON cast without validation; a mixed merge would be silently wrong.
  const versions = reports.map((r) => (r as { schemaVersion: unknown }).schemaVersion)
  if (versions.some((v) => v !== REPORT_SCHEMA_VERSION)) {
    const list = versions.map((v, i) => `${source(i)}: ${JSON.stringify(v)}`).join(', ')
    throw new ReportVersionError(`cannot merge reports of different schema versions (${list}); this mqtt-harness reads version ${REPORT_SCHEMA_VERSION}`)
  }
  reports.forEach((r, i) => {
    for (const key of ['kind', 'name', 'profile'] as const) {
      if (r.target[key] !== first.target[key]) {
        throw new ReportMergeConflictError(`${source(i)} ran against target ${key} "${r.target[key]}" but ${source(0)} against "${first.target[key]}"; merge only shards of one run`)
      }
    }
  })
  const seen = new Map<string, number>()
  const scenarios: ScenarioResult[] = []
  reports.forEach((r, i) => {
    for (const s of r.scenarios) {
      const prev = seen.get(s.id)
      if (prev !== undefined) {
        throw new ReportMergeConflictError(`scenario "${s.id}" is in both ${source(prev)} and ${source(i)}; was a shard merged twice?`)
      }
      seen.set(s.id, i)
      scenarios.push(s)
    }
  })
  const startedAt = reports.map((r) => r.startedAt).reduce(earliest)
  const finishedAt = reports.map((r) => r.finishedAt).reduce(latest)
  const span = Date.parse(finishedAt) - Date.parse(startedAt)
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: first.tool,
    startedAt,
    finishedAt,
    // Shards run side by side, so the merged run lasts from the first start to the last finish.
    durationMs: Number.isFinite(span) && span >= 0 ? span : Math.max(...reports.map((r) => r.durationMs)),
    target: {
      ...first.target,
      // Each shard may have had its own bundled broker on its own port: keep every url, the first shard's on a clash.
      urls: Object.assign({}, ...reports.map((r) => r.target.urls).reverse()) as Record<string, string>,
      readings: mergeRecords('reading', reports.map((r, i) => ({ source: source(i), record: r.target.readings }))),
    },
    summary: summarizeScenarios(scenarios),
    scenarios,
    requirements: resolveRequirements(scenarios, reports.flatMap((r) => r.requirements)),
  }
}
