import { OUTCOME_SEVERITY, type Outcome, type RequirementResult, type RequirementStatus, type ScenarioResult } from '../spec/index.js'

/** The worst outcome by OUTCOME_SEVERITY (errored > failed > waived > flaky > skipped > passed), or undefined for none. */
export function worstOutcome(outcomes: Iterable<Outcome>): Outcome | undefined {
  let worst: Outcome | undefined
  for (const o of outcomes) if (worst === undefined || OUTCOME_SEVERITY[o] > OUTCOME_SEVERITY[worst]) worst = o
  return worst
}

/** A requirement a report already listed: its id, and the reason it gave, for the status it gave. */
export type DeclaredRequirement = Pick<RequirementResult, 'id' | 'status' | 'reason'>

/**
 * The requirement matrix for `scenarios`: each requirement takes the worst
 * outcome of the scenarios that check it, or `untested` when none does.
 * `declared` lists requirements known without a scenario (the catalogue, or
 * the shards' own matrices) so untested ones and their reasons are kept.
 * Order: declared ids first, then ids only scenarios name, as first seen.
 */
export function resolveRequirements(
  scenarios: readonly Pick<ScenarioResult, 'id' | 'status' | 'requirements'>[],
  declared: readonly DeclaredRequirement[] = [],
): RequirementResult[] {
  const byId = new Map<string, { scenarios: string[]; outcomes: Outcome[]; declared: DeclaredRequirement[] }>()
  const entry = (id: string) => {
    let e = byId.get(id)
    if (!e) byId.set(id, (e = { scenarios: [], outcomes: [], declared: [] }))
    return e
  }
  for (const d of declared) entry(d.id).declared.push(d)
  for (const s of scenarios) {
    // A scenario may list a requirement twice (matrix expansion, copy-paste); count it once.
    for (const id of new Set(s.requirements)) {
      const e = entry(id)
      e.scenarios.push(s.id)
      e.outcomes.push(s.status)
    }
  }
  const results: RequirementResult[] = []
  for (const [id, e] of byId) {
    const status: RequirementStatus = worstOutcome(e.outcomes) ?? 'untested'
    // A reason explains one status ("not observable on the wire" for untested); a
    // shard's reason for another status would now be wrong, so only a matching one is kept.
    const reason = e.declared.find((d) => d.status === status && d.reason)?.reason
      ?? (status === 'untested' ? e.declared.find((d) => d.reason)?.reason : undefined)
    results.push({ id, status, scenarios: e.scenarios, ...(reason !== undefined ? { reason } : {}) })
  }
  return results
}
