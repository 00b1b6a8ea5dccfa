import type { RunReport, ScenarioResult, TargetInfo } from '../spec/index.js'

/**
 * The reporter hooks the runner calls, each optional and possibly async. The
 * same shape as reports/'s Reporter, declared here so the runner depends on
 * the interface, not on the formats.
 */
export interface RunnerReporter {
  onRunStart?(info: { total: number; target: TargetInfo; startedAt: string; version?: string }): void | Promise<void>
  onScenarioStart?(scenario: { id: string; title: string; file: string }): void | Promise<void>
  onScenarioEnd?(result: ScenarioResult): void | Promise<void>
  onRunEnd?(report: RunReport): void | Promise<void>
}
