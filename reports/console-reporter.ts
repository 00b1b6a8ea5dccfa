import type { Outcome, RunReport, ScenarioResult } from '../spec/index.js'
import type { Reporter, RunStartInfo, ScenarioStartInfo } from './reporter.js'
import { OUTCOME_ORDER, STATUS_SYMBOL, attemptLines, byCatalogue, failureChecks, failureLocation, flakyScenarios, formatDuration, formatTraceEntry, formatValue, problemScenarios, traceTail } from './text-format.js'

/** Options for {@link createConsoleReporter}. */
export interface ConsoleReporterOptions {
  /** Where to write; process.stdout when absent. */
  stream?: NodeJS.WritableStream
  /** Keep one updating status line at the bottom; defaults to whether the stream is a TTY. */
  tty?: boolean
  /** ANSI colours; defaults to `tty` unless NO_COLOR is set. */
  color?: boolean
  /** How many of the last trace entries each failure shows (default 8). */
  traceTail?: number
  /** Only the end-of-run summary and failures: no header, no line per scenario, no status line. */
  quiet?: boolean
}

const COLOR: Record<Outcome | 'dim' | 'bold', string> = {
  passed: '\x1b[32m', failed: '\x1b[31m', errored: '\x1b[35m', skipped: '\x1b[33m', waived: '\x1b[36m', flaky: '\x1b[93m',
  dim: '\x1b[2m', bold: '\x1b[1m',
}
const RESET = '\x1b[0m'
const CLEAR_LINE = '\r\x1b[2K'
const OUTCOMES = OUTCOME_ORDER
/** Requirement totals in the same order as the scenario totals, then the requirement-only statuses. */
const CONSOLE_REQUIREMENT_ORDER = [...OUTCOMES, 'inconclusive', 'untested', 'not-selected'] as const

/**
 * Live progress while a run goes: one line per scenario as it ends (symbol,
 * id, title, duration, running count) and, on a TTY, a status line with the
 * scenarios in flight. At the end, every failure with its requirement ids,
 * file:line:col, expected vs actual and the last packets of its trace, then totals.
 */
export function createConsoleReporter(opts: ConsoleReporterOptions = {}): Reporter {
  const stream = opts.stream ?? process.stdout
  const quiet = opts.quiet ?? false
  const tty = !quiet && (opts.tty ?? Boolean((stream as { isTTY?: boolean }).isTTY))
  const color = opts.color ?? (tty && !process.env.NO_COLOR)
  const tailSize = opts.traceTail ?? 8
  const paint = (style: keyof typeof COLOR, text: string) => (color ? `${COLOR[style]}${text}${RESET}` : text)

  let total: number | undefined
  let done = 0
  const counts: Record<Outcome, number> = { passed: 0, failed: 0, errored: 0, skipped: 0, waived: 0, flaky: 0 }
  const running = new Map<string, ScenarioStartInfo>()
  let statusShown = false

  const write = (text: string) => { stream.write(text) }
  const progressLine = (text: string) => { if (!quiet) write(text) }
  const clearStatus = () => {
    if (statusShown) write(CLEAR_LINE)
    statusShown = false
  }
  const progress = () => `[${done}${total !== undefined ? `/${total}` : ''}]`
  const drawStatus = () => {
    if (!tty) return
    const tally = (painted: boolean) => OUTCOMES.filter((o) => counts[o] > 0).map((o) => (painted ? paint(o, `${counts[o]} ${o}`) : `${counts[o]} ${o}`)).join(' ')
    const names = [...running.keys()]
    const inFlight = names.length ? `· running ${names.slice(0, 3).join(', ')}${names.length > 3 ? ` +${names.length - 3}` : ''}` : ''
    const line = (painted: boolean) => [progress(), tally(painted), inFlight].filter(Boolean).join(' ')
    // Kept within the terminal width: a wrapped line cannot be cleared with \r.
    const columns = (stream as { columns?: number }).columns ?? 100
    const plain = line(false)
    write(CLEAR_LINE + (plain.length < columns ? line(true) : plain.slice(0, columns - 2) + '…'))
    statusShown = true
  }

  return {
    name: 'console',
    onRunStart(info: RunStartInfo) {
      total = info.total
      const version = info.version ? ` ${info.version}` : ''
      progressLine(paint('bold', `mqtt-harness${version}: ${info.total} scenario${info.total === 1 ? '' : 's'} against ${info.target.name} (${info.target.kind}, profile ${info.target.profile})`) + '\n')
      drawStatus()
    },
    onScenarioStart(s: ScenarioStartInfo) {
      running.set(s.id, s)
      drawStatus()
    },
    onScenarioEnd(result: ScenarioResult) {
      running.delete(result.id)
      done += 1
      counts[result.status] += 1
      clearStatus()
      const why = result.reason && (result.status === 'skipped' || result.status === 'waived') ? paint('dim', ` — ${result.reason}`) : ''
      const tries = result.attempts?.length ? paint('dim', ` (attempt ${result.attempts.length + 1})`) : ''
      progressLine(`${paint(result.status, STATUS_SYMBOL[result.status])} ${result.id}  ${paint('dim', `${result.title} (${formatDuration(result.durationMs)})`)}${tries}${why}  ${paint('dim', progress())}\n`)
      drawStatus()
    },
    onRunEnd(report: RunReport) {
      clearStatus()
      write(renderConsoleSummary(report, { traceTail: tailSize, paint }))
    },
  }
}

/** Options for {@link renderConsoleSummary}. */
export interface ConsoleSummaryOptions {
  traceTail?: number
  paint?: (style: Outcome | 'dim' | 'bold', text: string) => string
}

/** The end-of-run text: failures in detail, then totals for scenarios and requirements. */
export function renderConsoleSummary(report: RunReport, opts: ConsoleSummaryOptions = {}): string {
  const paint = opts.paint ?? ((_s, t) => t)
  const tailSize = opts.traceTail ?? 8
  const out: string[] = ['']
  const problems = problemScenarios(report.scenarios)
  if (problems.length) {
    out.push(paint('bold', `Failures (${problems.length})`), '')
    for (const s of problems) {
      out.push(`${paint(s.status, `${STATUS_SYMBOL[s.status]} ${s.id}`)} — ${s.title}`)
      out.push(`  requirements: ${s.requirements.length ? s.requirements.map((id) => (s.verdicts?.[id] && s.verdicts[id] !== s.status ? `${id} (${s.verdicts[id]})` : id)).join(', ') : '(none)'}`)
      if (s.failures.length === 0) out.push(`  at ${failureLocation({ message: '' }, s)}`, `  ${s.status} without a recorded failure${s.reason ? `: ${s.reason}` : ''}`)
      s.failures.forEach((f, i) => {
        out.push(`  ${i + 1}) ${indent(f.message, '     ').trimStart()}`)
        out.push(`     at ${failureLocation(f, s)}${f.step ? ` (${f.step}${failureChecks(f) ? `; ${failureChecks(f)}` : ''})` : ''}`)
        if (f.expected !== undefined) out.push(`     expected: ${formatValue(f.expected)}`)
        if (f.actual !== undefined) out.push(`     actual:   ${formatValue(f.actual)}`)
        const { entries, omitted } = traceTail(f, tailSize)
        if (entries.length) {
          out.push(paint('dim', `     trace (last ${entries.length} of ${entries.length + omitted}):`))
          for (const e of entries) out.push(paint('dim', `     ${formatTraceEntry(e)}`))
        }
      })
      out.push('')
    }
  }
  const flaky = flakyScenarios(report.scenarios)
  if (flaky.length) {
    out.push(paint('bold', `Flaky: passed only on a retry (${flaky.length})`), '')
    for (const s of flaky) {
      out.push(`${paint('flaky', `${STATUS_SYMBOL.flaky} ${s.id}`)} — ${s.title}`)
      for (const line of attemptLines(s)) out.push(`  ${line}`)
      out.push('')
    }
  }
  const sm = report.summary
  // flaky is shown only when a run retried, so a run without --retries reads as before.
  const parts = OUTCOMES.filter((o) => o !== 'flaky' || sm.flaky > 0).map((o) => (sm[o] > 0 ? paint(o, `${sm[o]} ${o}`) : `${sm[o]} ${o}`))
  out.push(`${paint('bold', 'Scenarios:')}    ${parts.join(', ')} (${sm.total} total) in ${formatDuration(report.durationMs)} · mqtt-harness ${report.tool.version}`)
  // One line per catalogue: the built-in one, then each user catalogue apart.
  for (const [name, requirements] of byCatalogue(report.requirements)) {
    const reqCounts = new Map<string, number>()
    for (const r of requirements) reqCounts.set(r.status, (reqCounts.get(r.status) ?? 0) + 1)
    const label = name ? `Requirements (${name}):` : 'Requirements:'
    out.push(`${paint('bold', label)} ${CONSOLE_REQUIREMENT_ORDER.filter((o) => reqCounts.get(o)).map((o) => `${reqCounts.get(o)} ${o}`).join(', ')} (${requirements.length} total)`)
  }
  return out.join('\n') + '\n'
}

function indent(text: string, prefix: string): string {
  return text.split('\n').map((l) => prefix + l).join('\n')
}
