import { join } from 'node:path'
import { REPORT_SCHEMA_VERSION, type RunReport, type ScenarioResult } from '../spec/index.js'
import type { Reporter } from './reporter.js'
import { failureChecks, failureLocation, formatTraceEntry, formatValue } from './text-format.js'
import { createFileReporter } from './write-report-file.js'
import { escapeXmlAttr as attr, escapeXmlText as text } from './xml-escape.js'

/** Options for {@link createJunitReporter}. */
export interface JunitReporterOptions {
  outDir: string
}

/** File name the JUnit reporter writes in its folder. */
export const JUNIT_REPORT_FILE = 'junit.xml'

const seconds = (ms: number) => (Math.max(0, ms) / 1000).toFixed(3)

/** Ant's timestamp: ISO 8601 without a zone (always UTC here), or nothing for an unparseable date. */
function antTimestamp(iso: string): string | undefined {
  const t = Date.parse(iso)
  return Number.isNaN(t) ? undefined : new Date(t).toISOString().slice(0, 19)
}

type Attrs = Record<string, string | number | undefined>

function attributes(attrs: Attrs): string {
  return Object.entries(attrs).filter(([, v]) => v !== undefined).map(([k, v]) => ` ${k}="${attr(String(v))}"`).join('')
}

function openTag(name: string, attrs: Attrs): string {
  return `<${name}${attributes(attrs)}>`
}

function element(name: string, attrs: Attrs, body?: string): string {
  return body === undefined ? `<${name}${attributes(attrs)}/>` : `${openTag(name, attrs)}${body}</${name}>`
}

function properties(props: [string, string][], pad: string): string {
  if (!props.length) return ''
  return `${pad}<properties>\n${props.map(([n, v]) => `${pad}  ${element('property', { name: n, value: v })}`).join('\n')}\n${pad}</properties>\n`
}

/** The failure body: every failure with its location, expected vs actual. */
function failureDetails(s: ScenarioResult): string {
  if (!s.failures.length) return s.reason ?? `${s.status} without a recorded failure`
  return s.failures.map((f, i) => {
    const lines = [`${s.failures.length > 1 ? `${i + 1}) ` : ''}${f.message}`, `at ${failureLocation(f, s)}${f.step ? ` (${f.step}${failureChecks(f) ? `; ${failureChecks(f)}` : ''})` : ''}`]
    if (f.expected !== undefined) lines.push(`expected: ${formatValue(f.expected, 4000)}`)
    if (f.actual !== undefined) lines.push(`actual:   ${formatValue(f.actual, 4000)}`)
    return lines.join('\n')
  }).join('\n\n')
}

/** system-err of a flaky or retried scenario: each earlier attempt's failures, so CI shows them. */
function attemptsText(s: ScenarioResult): string | undefined {
  if (!s.attempts?.length) return undefined
  const head = s.status === 'flaky' ? `FLAKY: passed on attempt ${s.attempts.length + 1} after ${s.attempts.length} that did not pass` : `retried ${s.attempts.length} time${s.attempts.length === 1 ? '' : 's'}`
  const lines = [head]
  s.attempts.forEach((a, i) => {
    lines.push(`attempt ${i + 1}: ${a.status} in ${a.durationMs} ms`)
    for (const f of a.failures) lines.push(`  ${f.message}`, `  at ${failureLocation(f, s)}${f.step ? ` (${f.step})` : ''}`)
  })
  return lines.join('\n')
}

/**
 * A classname that survives Jenkins' and GitLab's split at the last dot into
 * package and class: the scenario file without its extension, folders as
 * dots, and any dot inside a name replaced by `_`
 * (`scenarios/retained/exact-match.yaml` → `scenarios.retained.exact-match`).
 */
export function junitClassname(file: string): string {
  return file.replace(/\.ya?ml$/i, '').split(/[\\/]+/).filter((p) => p !== '' && p !== '.').map((p) => p.replace(/\./g, '_')).join('.') || 'scenario'
}

/** system-out: requirements, steps, and each failure's full packet trace. */
function systemOut(s: ScenarioResult): string {
  const lines = [`requirements: ${s.requirements.map((id) => (s.verdicts?.[id] ? `${id} ${s.verdicts[id]}` : id)).join(', ') || '(none)'}`]
  if (s.matrix) lines.push(`matrix: ${Object.entries(s.matrix).map(([k, v]) => `${k}=${v}`).join(' ')}`)
  for (const st of s.steps) {
    lines.push(`step ${st.index} ${st.kind}: ${st.status} in ${st.durationMs} ms${st.latencyMs !== undefined ? `, latency ${st.latencyMs} ms` : ''}`)
  }
  s.failures.forEach((f, i) => {
    if (!f.trace?.length) return
    lines.push(`trace of failure ${i + 1} (${f.trace.length} entries):`, ...f.trace.map(formatTraceEntry))
  })
  return lines.join('\n')
}

function testcase(s: ScenarioResult): string {
  const pad = '    '
  // One `requirement` property per id, and its verdict (inconclusive included) as `verdict.<id>`.
  const props: [string, string][] = [...s.requirements.map((r): [string, string] => ['requirement', r]), ...Object.entries(s.verdicts ?? {}).map(([r, v]): [string, string] => [`verdict.${r}`, v])]
  props.push(['file', s.file])
  for (const t of s.tags ?? []) props.push(['tag', t])
  if (s.attempts?.length) props.push(['attempts', String(s.attempts.length + 1)])
  if (s.status === 'flaky') props.push(['flaky', 'true'])
  let body = properties(props, `${pad}  `)
  const firstMessage = s.failures[0]?.message ?? s.reason ?? s.status
  const message = s.failures.length > 1 ? `${firstMessage} (and ${s.failures.length - 1} more)` : firstMessage
  // XSD order inside a testcase: properties, skipped, error, failure, system-out.
  if (s.status === 'skipped') body += `${pad}  ${element('skipped', { message: s.reason ?? 'skipped' })}\n`
  if (s.status === 'waived') body += `${pad}  ${element('skipped', { message: `waived: ${s.reason ?? 'declared deviation'}` })}\n`
  if (s.status === 'errored') body += `${pad}  ${element('error', { message, type: s.failures[0]?.step ?? 'errored' }, text(failureDetails(s)))}\n`
  if (s.status === 'failed') body += `${pad}  ${element('failure', { message, type: s.failures[0]?.step ?? 'failed' }, text(failureDetails(s)))}\n`
  body += `${pad}  <system-out>${text(systemOut(s))}</system-out>\n`
  const earlier = attemptsText(s)
  if (earlier) body += `${pad}  <system-err>${text(earlier)}</system-err>\n`
  return `${pad}${element('testcase', { classname: junitClassname(s.file), name: s.id, time: seconds(s.durationMs), ...(s.status === 'flaky' ? { status: 'flaky' } : {}) }, `\n${body}${pad}`)}\n`
}

/**
 * JUnit XML in the Jenkins/Ant format: one testsuite per scenario file,
 * one testcase per scenario (classname from the file, see junitClassname;
 * name = scenario id). Failed → <failure>, errored → <error>, skipped and
 * waived → <skipped>; flaky → passed with status="flaky", a `flaky` property
 * and the earlier attempts' failures in system-err.
 * Requirement ids are testcase properties; system-out holds steps and traces.
 */
export function renderJunitReport(report: RunReport): string {
  const byFile = new Map<string, ScenarioResult[]>()
  for (const s of report.scenarios) {
    const list = byFile.get(s.file) ?? []
    list.push(s)
    byFile.set(s.file, list)
  }
  const timestamp = antTimestamp(report.startedAt)
  const runProps: [string, string][] = [
    ['mqtt-harness.version', report.tool.version],
    ['report.schemaVersion', String(REPORT_SCHEMA_VERSION)],
    ['target.kind', report.target.kind],
    ['target.name', report.target.name],
    ['target.profile', report.target.profile],
    ...Object.entries(report.target.readings).map(([k, v]): [string, string] => [`reading.${k}`, v]),
    ...(report.shard ? [['shard', `${report.shard.index}/${report.shard.total}`] as [string, string]] : []),
  ]
  const suites: string[] = []
  let id = 0
  for (const [file, list] of byFile) {
    const count = (...st: ScenarioResult['status'][]) => list.filter((s) => st.includes(s.status)).length
    const head = openTag('testsuite', {
      name: file, tests: list.length, failures: count('failed'), errors: count('errored'), skipped: count('skipped', 'waived'),
      time: seconds(list.reduce((t, s) => t + s.durationMs, 0)), timestamp, id: id++,
    })
    suites.push(`  ${head}\n${properties(runProps, '    ')}${list.map(testcase).join('')}  </testsuite>\n`)
  }
  const sm = report.summary
  const root = openTag('testsuites', {
    name: 'mqtt-harness', tests: sm.total, failures: sm.failed, errors: sm.errored, disabled: sm.skipped + sm.waived,
    time: seconds(report.durationMs),
  })
  return `<?xml version="1.0" encoding="UTF-8"?>\n${root}\n${suites.join('')}</testsuites>\n`
}

/** Writes `junit.xml` in `outDir` at the end of the run. */
export function createJunitReporter(opts: JunitReporterOptions): Reporter {
  return createFileReporter('junit', opts.outDir, JUNIT_REPORT_FILE, renderJunitReport)
}
