import type { Summary } from '../spec/index.js'
import type { ReportDiff, RequirementChange, ScenarioChange, ScenarioRef } from './diff.js'
import { mdCode, mdTable, mdText } from './markdown-escape.js'

const tally = (s: Summary) => `${s.total} scenarios: ${s.passed} passed, ${s.failed} failed, ${s.errored} errored, ${s.skipped} skipped, ${s.waived} waived${s.flaky ? `, ${s.flaky} flaky` : ''}`
const COLUMNS = ['passed', 'flaky', 'failed', 'errored', 'skipped', 'waived', 'total'] as const
const arrow = (c: { from: string; to: string }) => `${c.from} → ${c.to}`

/** The diff as plain text for a terminal: regressions first, then everything else that changed. */
export function renderDiffText(diff: ReportDiff): string {
  const out = [`baseline (${diff.baseline.startedAt}): ${tally(diff.baseline.summary)}`, `current  (${diff.current.startedAt}): ${tally(diff.current.summary)}`, '']
  const changes = (title: string, list: ScenarioChange[]) => {
    if (!list.length) return
    out.push(`${title} (${list.length}):`, ...list.map((c) => `  ${c.id}  ${arrow(c)}  (${c.file})`), '')
  }
  const refs = (title: string, list: ScenarioRef[]) => {
    if (!list.length) return
    out.push(`${title} (${list.length}):`, ...list.map((s) => `  ${s.id}  ${s.status}  (${s.file})`), '')
  }
  changes('Regressions', diff.regressions)
  changes('Fixes', diff.fixes)
  changes('Other status changes', diff.otherChanges)
  refs('New scenarios', diff.added)
  refs('Removed scenarios', diff.removed)
  refs('Flaky (passed only on a retry)', diff.flaky)
  if (diff.requirementChanges.length) {
    out.push(`Requirement changes (${diff.requirementChanges.length}):`, ...diff.requirementChanges.map((r) => `  ${r.id}  ${arrow(r)}${r.direction === 'changed' ? '' : ` (${r.direction})`}`), '')
  }
  out.push(diff.regressions.length ? `${diff.regressions.length} regression${diff.regressions.length === 1 ? '' : 's'}.` : 'No regressions.')
  return out.join('\n') + '\n'
}

const reqIcon: Record<RequirementChange['direction'], string> = { worse: '🔻', better: '🔺', changed: '↔' }

/** The diff as Markdown, e.g. for a pull-request comment or `$GITHUB_STEP_SUMMARY`. */
export function renderDiffMarkdown(diff: ReportDiff): string {
  const n = diff.regressions.length
  const out = [n ? `## ❌ ${n} regression${n === 1 ? '' : 's'} against the baseline` : '## ✅ No regressions against the baseline', '']
  const cols = COLUMNS.filter((k) => k !== 'flaky' || diff.baseline.summary.flaky || diff.current.summary.flaky)
  out.push(mdTable(['', ...cols], [
    ['baseline', ...cols.map((k) => String(diff.baseline.summary[k] ?? 0))],
    ['current', ...cols.map((k) => String(diff.current.summary[k] ?? 0))],
  ], ['l', ...cols.map(() => 'r' as const)]), '')
  const changes = (title: string, list: ScenarioChange[]) => {
    if (!list.length) return
    out.push(`### ${title} (${list.length})`, '', mdTable(['Scenario', 'Change', 'File', 'Title'], list.map((c) => [mdCode(c.id), arrow(c), mdCode(c.file), mdText(c.title)])), '')
  }
  const refs = (title: string, list: ScenarioRef[]) => {
    if (!list.length) return
    out.push(`### ${title} (${list.length})`, '', mdTable(['Scenario', 'Status', 'File', 'Title'], list.map((s) => [mdCode(s.id), s.status, mdCode(s.file), mdText(s.title)])), '')
  }
  changes('Regressions', diff.regressions)
  changes('Fixes', diff.fixes)
  changes('Other status changes', diff.otherChanges)
  refs('New scenarios', diff.added)
  refs('Removed scenarios', diff.removed)
  refs('Flaky (passed only on a retry)', diff.flaky)
  if (diff.requirementChanges.length) {
    out.push(`### Requirement changes (${diff.requirementChanges.length})`, '', mdTable(['Requirement', 'Change', ''], diff.requirementChanges.map((r) => [mdCode(r.id), arrow(r), `${reqIcon[r.direction]} ${r.direction}`])), '')
  }
  return out.join('\n')
}
