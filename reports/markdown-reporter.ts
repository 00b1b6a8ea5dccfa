import { join } from 'node:path'
import type { Outcome, RequirementStatus, RunReport, ScenarioResult } from '../spec/index.js'
import { htmlText, mdCode, mdFence, mdTable, mdText } from './markdown-escape.js'
import type { Reporter } from './reporter.js'
import { OUTCOME_ORDER, REQUIREMENT_STATUS_ORDER, REQUIREMENT_SYMBOL, STATUS_SYMBOL, attemptLines, byCatalogue, failureChecks, failureLocation, flakyScenarios, formatDuration, formatTraceEntry, formatValue, problemScenarios, traceTail } from './text-format.js'
import { createFileReporter } from './write-report-file.js'

/** Options for {@link createMarkdownReporter}. */
export interface MarkdownReporterOptions {
  outDir: string
}

/** File name the Markdown reporter writes in its folder. */
export const MARKDOWN_REPORT_FILE = 'summary.md'

/** How many failures get an expected/actual/trace block; GitHub caps a step summary at 1 MiB. */
const DETAILED_FAILURES = 30
const TRACE_TAIL = 12
const OUTCOMES: readonly Outcome[] = OUTCOME_ORDER
const REQ_STATUSES = REQUIREMENT_STATUS_ORDER
const REQ_SYMBOL = REQUIREMENT_SYMBOL

function headline(report: RunReport): string {
  const sm = report.summary
  const bad = [sm.failed && `${sm.failed} failed`, sm.errored && `${sm.errored} errored`].filter(Boolean)
  if (bad.length) return `## ❌ mqtt-harness: ${bad.join(', ')} of ${sm.total} scenarios`
  if (sm.flaky) return `## ⚠️ mqtt-harness: ${sm.passed} of ${sm.total} scenarios passed, ${sm.flaky} flaky (passed only on a retry)`
  return `## ✅ mqtt-harness: ${sm.passed} of ${sm.total} scenarios passed`
}

function failureBlock(s: ScenarioResult): string {
  const lines: string[] = []
  s.failures.forEach((f, i) => {
    lines.push(`${i + 1}) ${f.message}`, `   at ${failureLocation(f, s)}${f.step ? ` (${f.step}${failureChecks(f) ? `; ${failureChecks(f)}` : ''})` : ''}`)
    if (f.expected !== undefined) lines.push(`   expected: ${formatValue(f.expected)}`)
    if (f.actual !== undefined) lines.push(`   actual:   ${formatValue(f.actual)}`)
    const { entries, omitted } = traceTail(f, TRACE_TAIL)
    if (entries.length) lines.push(`   trace (last ${entries.length} of ${entries.length + omitted}):`, ...entries.map((e) => `   ${formatTraceEntry(e)}`))
  })
  if (!s.failures.length) lines.push(s.reason ?? `${s.status} without a recorded failure`)
  return `<details><summary>${STATUS_SYMBOL[s.status]} ${htmlText(s.id)}: details</summary>\n\n${mdFence(lines.join('\n'))}\n\n</details>`
}

/**
 * `summary.md` for a CI job summary (`$GITHUB_STEP_SUMMARY`): a headline,
 * totals, failures with requirement ids and file:line:col (details folded),
 * skipped and waived scenarios with reasons, and the requirement matrix.
 */
export function renderMarkdownReport(report: RunReport): string {
  const sm = report.summary
  const out: string[] = [headline(report), '']
  const meta = [
    `**Target** ${mdCode(report.target.name)} (${report.target.kind}, profile ${mdCode(report.target.profile)})`,
    `**Duration** ${formatDuration(report.durationMs)}`,
    `**Started** ${mdText(report.startedAt)}`,
    `mqtt-harness ${mdText(report.tool.version)}`,
    ...(report.shard ? [`shard ${report.shard.index}/${report.shard.total}`] : []),
  ]
  out.push(meta.join(' · '), '')
  const shown = OUTCOMES.filter((o) => o !== 'flaky' || sm.flaky > 0)
  out.push(mdTable([...shown.map((o) => `${STATUS_SYMBOL[o]} ${o}`), 'total'], [[...shown.map((o) => String(sm[o])), String(sm.total)]], shown.map(() => 'r' as const).concat('r')), '')

  const problems = problemScenarios(report.scenarios)
  if (problems.length) {
    out.push(`### Failures (${problems.length})`, '')
    out.push(mdTable(['', 'Scenario', 'Requirements', 'Location', 'Message'], problems.map((s) => {
      const f = s.failures[0]
      const msg = f ? f.message + (s.failures.length > 1 ? ` (+${s.failures.length - 1} more)` : '') : (s.reason ?? s.status)
      return [STATUS_SYMBOL[s.status], mdCode(s.id), s.requirements.map(mdCode).join(' '), mdCode(f ? failureLocation(f, s) : failureLocation({ message: '' }, s)), mdText(msg)]
    })), '')
    for (const s of problems.slice(0, DETAILED_FAILURES)) out.push(failureBlock(s), '')
    if (problems.length > DETAILED_FAILURES) out.push(`_${problems.length - DETAILED_FAILURES} more failures: see report.json or report.html._`, '')
  }

  const flaky = flakyScenarios(report.scenarios)
  if (flaky.length) {
    out.push(`### Flaky: passed only on a retry (${flaky.length})`, '')
    out.push(mdTable(['', 'Scenario', 'Requirements', 'Earlier attempts'], flaky.map((s) => [
      STATUS_SYMBOL.flaky, mdCode(s.id), s.requirements.map(mdCode).join(' '), mdText(attemptLines(s).join('; ')),
    ])), '')
  }

  const parked = report.scenarios.filter((s) => s.status === 'skipped' || s.status === 'waived')
  if (parked.length) {
    out.push(`<details><summary>Skipped and waived (${parked.length})</summary>`, '')
    out.push(mdTable(['', 'Scenario', 'Requirements', 'Reason'], parked.map((s) => [STATUS_SYMBOL[s.status], mdCode(s.id), s.requirements.map(mdCode).join(' '), mdText(s.reason ?? '')])), '', '</details>', '')
  }

  const readings = Object.entries(report.target.readings)
  if (readings.length) {
    // Which reading of each contradiction between the sources (catalogue section O) the profile applied.
    out.push(`<details><summary>Readings of contradictory sources (${readings.length})</summary>`, '')
    out.push(mdTable(['Conflict', 'Reading applied'], readings.map(([k, v]) => [mdCode(k), mdText(v)])), '', '</details>', '')
  }

  // One matrix per catalogue: the built-in one, then each user catalogue apart.
  for (const [name, requirements] of byCatalogue(report.requirements)) {
    const counts = REQ_STATUSES.map((st) => [st, requirements.filter((r) => r.status === st).length] as const).filter(([, n]) => n > 0)
    out.push(`### Requirements${name ? ` — catalogue ${mdText(name)}` : ''} (${requirements.length}: ${counts.map(([st, n]) => `${n} ${st}`).join(', ')})`, '')
    // Worst first, so what needs attention is at the top of a long matrix.
    const rows = [...requirements].sort((a, b) => REQ_STATUSES.indexOf(a.status) - REQ_STATUSES.indexOf(b.status) || a.id.localeCompare(b.id))
    const table = mdTable(['Requirement', 'Status', 'Scenarios', 'Reason'], rows.map((r) => [
      mdCode(r.id), `${REQ_SYMBOL[r.status]} ${r.status}`, r.scenarios.map(mdCode).join(' '), mdText(r.reason ?? ''),
    ]))
    out.push(rows.length > 40 ? `<details><summary>Requirement matrix</summary>\n\n${table}\n\n</details>` : table, '')
  }
  return out.join('\n')
}

/** Writes `summary.md` in `outDir` at the end of the run. */
export function createMarkdownReporter(opts: MarkdownReporterOptions): Reporter {
  return createFileReporter('markdown', opts.outDir, MARKDOWN_REPORT_FILE, renderMarkdownReport)
}
