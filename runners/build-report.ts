import { resolveRequirements, summarizeScenarios, type DeclaredRequirement } from '../reports/index.js'
import { REPORT_SCHEMA_VERSION, type RunReport, type ScenarioResult, type TargetInfo } from '../spec/index.js'

export interface BuildReportInput {
  version: string
  startedAt: Date
  finishedAt: Date
  target: TargetInfo
  results: ScenarioResult[]
  declared?: readonly DeclaredRequirement[]
  shard?: { index: number; total: number }
}

/**
 * The versioned JSON report (spec/report-schema.ts) from a run's results.
 * Summary and requirement statuses come from reports/, so a run and a merge
 * of shards derive them the same way (worst outcome, or `untested`).
 */
export function buildReport(input: BuildReportInput): RunReport {
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'mqtt-harness', version: input.version },
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    durationMs: input.finishedAt.getTime() - input.startedAt.getTime(),
    target: input.target,
    ...(input.shard ? { shard: input.shard } : {}),
    summary: summarizeScenarios(input.results),
    scenarios: input.results,
    requirements: resolveRequirements(input.results, input.declared),
  }
}
