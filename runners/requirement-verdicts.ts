import type { Outcome, RequirementVerdict, Scenario, StepResult } from '../spec/index.js'

/**
 * A scenario's verdict on each requirement it names, from the steps that
 * check it [attribution]:
 * - a checking step failed: failed (waived when the scenario is waived);
 * - a checking step errored: errored;
 * - every checking step passed: passed, whatever else failed later;
 * - the scenario stopped before a checking step (a setup step or another
 *   requirement's assertion failed): inconclusive, or errored when the harness
 *   itself could not go on (a timeout, a target that went away);
 * - skipped scenario: skipped.
 */
export function requirementVerdicts(scenario: Pick<Scenario, 'spec' | 'steps'>, steps: readonly StepResult[], status: Outcome): Record<string, RequirementVerdict> {
  const out: Record<string, RequirementVerdict> = {}
  const stoppedBy = steps.find((s) => s.status === 'failed' || s.status === 'errored' || s.status === 'waived')
  for (const id of scenario.spec) {
    if (status === 'skipped') { out[id] = 'skipped'; continue }
    const checking = scenario.steps.filter((st) => st.checks.includes(id)).map((st) => steps.find((r) => r.index === st.index))
    const statuses = checking.map((r) => r?.status ?? 'skipped')
    if (statuses.includes('failed')) out[id] = status === 'waived' ? 'waived' : 'failed'
    else if (statuses.includes('errored')) out[id] = 'errored'
    else if (statuses.every((s) => s === 'passed')) out[id] = 'passed'
    else out[id] = stoppedBy?.status === 'errored' ? 'errored' : 'inconclusive'
  }
  return out
}
