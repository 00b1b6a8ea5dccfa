import type { ScenarioResult, Summary } from '../spec/index.js'

/** Counts per outcome; `total` is the number of scenarios (matrix cells). */
export function summarizeScenarios(scenarios: readonly Pick<ScenarioResult, 'status'>[]): Summary {
  const summary: Summary = { total: scenarios.length, passed: 0, failed: 0, errored: 0, skipped: 0, waived: 0, flaky: 0 }
  for (const s of scenarios) summary[s.status] += 1
  return summary
}
