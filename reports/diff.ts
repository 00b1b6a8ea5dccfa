import { verdictSeverity, type Outcome, type RequirementStatus, type RunReport, type ScenarioResult, type Summary } from '../spec/index.js'

/** A scenario present in both reports whose outcome changed. */
export type ScenarioChange = Pick<ScenarioResult, 'id' | 'title' | 'file'> & { from: Outcome; to: Outcome }

/** A scenario present in only one of the reports. */
export type ScenarioRef = Pick<ScenarioResult, 'id' | 'title' | 'file' | 'status'>

/** A requirement whose status changed; `absent` when only one report lists it. */
export interface RequirementChange {
  id: string
  from: RequirementStatus | 'absent'
  to: RequirementStatus | 'absent'
  /** By severity when both are verdicts (outcomes or inconclusive); `changed` involving `untested`, `not-selected` or `absent`. */
  direction: 'worse' | 'better' | 'changed'
}

/** What changed between a baseline report and the current one. */
export interface ReportDiff {
  baseline: { startedAt: string; summary: Summary }
  current: { startedAt: string; summary: Summary }
  /** passed → failed or errored: what gates CI. */
  regressions: ScenarioChange[]
  /** failed or errored → passed. */
  fixes: ScenarioChange[]
  /** Any other change (e.g. passed → skipped, failed → errored). */
  otherChanges: ScenarioChange[]
  added: ScenarioRef[]
  removed: ScenarioRef[]
  /** Scenarios flaky in the current report (passed only on a retry), whatever they were before. */
  flaky: ScenarioRef[]
  requirementChanges: RequirementChange[]
}

const isBad = (o: Outcome) => o === 'failed' || o === 'errored'
const ref = (s: ScenarioResult): ScenarioRef => ({ id: s.id, title: s.title, file: s.file, status: s.status })

function direction(from: RequirementStatus | 'absent', to: RequirementStatus | 'absent'): RequirementChange['direction'] {
  if (from === 'absent' || to === 'absent' || from === 'untested' || to === 'untested' || from === 'not-selected' || to === 'not-selected') return 'changed'
  // inconclusive ranks between skipped and waived: passed → inconclusive is worse, inconclusive → failed too.
  return verdictSeverity(to) > verdictSeverity(from) ? 'worse' : verdictSeverity(to) < verdictSeverity(from) ? 'better' : 'changed'
}

/**
 * Compares `current` with `baseline` scenario by scenario (by id, matrix cell
 * included) and requirement by requirement. Lists keep the current report's
 * order; removed scenarios keep the baseline's.
 */
export function diffReports(baseline: RunReport, current: RunReport): ReportDiff {
  const before = new Map(baseline.scenarios.map((s) => [s.id, s]))
  const after = new Map(current.scenarios.map((s) => [s.id, s]))
  const diff: ReportDiff = {
    baseline: { startedAt: baseline.startedAt, summary: baseline.summary },
    current: { startedAt: current.startedAt, summary: current.summary },
    regressions: [], fixes: [], otherChanges: [], added: [], removed: [], flaky: [], requirementChanges: [],
  }
  for (const s of current.scenarios) {
    if (s.status === 'flaky') diff.flaky.push(ref(s))
    const old = before.get(s.id)
    if (!old) { diff.added.push(ref(s)); continue }
    if (old.status === s.status) continue
    const change: ScenarioChange = { id: s.id, title: s.title, file: s.file, from: old.status, to: s.status }
    if (old.status === 'passed' && isBad(s.status)) diff.regressions.push(change)
    else if (isBad(old.status) && s.status === 'passed') diff.fixes.push(change)
    else diff.otherChanges.push(change)
  }
  for (const s of baseline.scenarios) if (!after.has(s.id)) diff.removed.push(ref(s))
  const reqBefore = new Map(baseline.requirements.map((r) => [r.id, r.status]))
  const reqAfter = new Map(current.requirements.map((r) => [r.id, r.status]))
  for (const id of new Set([...reqAfter.keys(), ...reqBefore.keys()])) {
    const from = reqBefore.get(id) ?? 'absent'
    const to = reqAfter.get(id) ?? 'absent'
    if (from !== to) diff.requirementChanges.push({ id, from, to, direction: direction(from, to) })
  }
  return diff
}

/** True when a scenario that passed in the baseline now fails or errors. */
export function hasRegressions(diff: ReportDiff): boolean {
  return diff.regressions.length > 0
}
