import { OUTCOME_SEVERITY, type Outcome, type RequirementResult, type RequirementStatus, type RequirementVerdict, type ScenarioResult } from '../spec/index.js'

/** The worst outcome by OUTCOME_SEVERITY (errored > failed > waived > flaky > skipped > passed), or undefined for none. */
export function worstOutcome(outcomes: Iterable<Outcome>): Outcome | undefined {
  let worst: Outcome | undefined
  for (const o of outcomes) if (worst === undefined || OUTCOME_SEVERITY[o] > OUTCOME_SEVERITY[worst]) worst = o
  return worst
}

/**
 * A requirement's verdict over its scenarios: the worst verdict of the
 * scenarios that ran an assertion checking it (errored > failed > waived >
 * passed). A scenario that was skipped, or never reached those assertions
 * (inconclusive), says nothing, so it neither spoils nor proves a requirement
 * another scenario checked; with no other verdict: `inconclusive` if any
 * scenario stopped before its assertions, else `skipped`. Undefined for none.
 */
function worstVerdict(verdicts: Iterable<RequirementVerdict>): RequirementVerdict | undefined {
  const all = [...verdicts]
  const conclusive = worstOutcome(all.filter((v): v is Outcome => v !== 'inconclusive' && v !== 'skipped'))
  if (conclusive) return conclusive
  if (all.includes('inconclusive')) return 'inconclusive'
  return all.length ? 'skipped' : undefined
}

/**
 * A requirement known without a scenario (a catalogue, or a shard's own
 * matrix): its id, its catalogue, and the reason it gave for the status it
 * gave (absent: untested).
 */
export type DeclaredRequirement = Pick<RequirementResult, 'id' | 'reason' | 'catalogue'> & { status?: RequirementStatus }

/**
 * The requirement matrix for `scenarios`: each requirement takes the worst
 * verdict the scenarios naming it give it (their `verdicts`, from the steps
 * that check it; a report without them: the scenario's status). With no
 * scenario: `not-selected` when a declaration says so (scenarios exist but
 * were not run), else `untested`. `declared` lists requirements known without
 * a scenario (the catalogues, or the shards' own matrices) so their reasons
 * and catalogue are kept. Order: declared ids first, then ids only scenarios
 * name, as first seen.
 */
export function resolveRequirements(
  scenarios: readonly Pick<ScenarioResult, 'id' | 'status' | 'requirements' | 'verdicts'>[],
  declared: readonly DeclaredRequirement[] = [],
): RequirementResult[] {
  const byId = new Map<string, { scenarios: string[]; verdicts: RequirementVerdict[]; declared: DeclaredRequirement[] }>()
  const entry = (id: string) => {
    let e = byId.get(id)
    if (!e) byId.set(id, (e = { scenarios: [], verdicts: [], declared: [] }))
    return e
  }
  for (const d of declared) entry(d.id).declared.push(d)
  for (const s of scenarios) {
    // A scenario may list a requirement twice (matrix expansion, copy-paste); count it once.
    for (const id of new Set(s.requirements)) {
      const e = entry(id)
      e.scenarios.push(s.id)
      e.verdicts.push(s.verdicts?.[id] ?? s.status)
    }
  }
  const results: RequirementResult[] = []
  for (const [id, e] of byId) {
    const none: RequirementStatus = e.declared.some((d) => d.status === 'not-selected') ? 'not-selected' : 'untested'
    const status: RequirementStatus = worstVerdict(e.verdicts) ?? none
    // A reason explains one status ("not observable on the wire" for untested); a
    // shard's reason for another status would now be wrong, so only a matching one is kept.
    const reason = e.declared.find((d) => (d.status ?? 'untested') === status && d.reason)?.reason
      ?? (status === 'untested' ? e.declared.find((d) => d.reason)?.reason : undefined)
    const catalogue = e.declared.find((d) => d.catalogue)?.catalogue
    results.push({ id, status, scenarios: e.scenarios, ...(reason !== undefined ? { reason } : {}), ...(catalogue !== undefined ? { catalogue } : {}) })
  }
  return results
}
