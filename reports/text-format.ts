import type { Failure, Outcome, RequirementResult, RequirementStatus, ScenarioResult, SourceLocation, TraceEntry } from '../spec/index.js'

/** One character per outcome, the same in every text format. */
export const STATUS_SYMBOL: Record<Outcome, string> = {
  passed: '✓',
  failed: '✗',
  errored: '!',
  skipped: '-',
  waived: '~',
  flaky: '≈',
}

/** One character per requirement status, the same in every text format. */
export const REQUIREMENT_SYMBOL: Record<RequirementStatus, string> = {
  ...STATUS_SYMBOL,
  inconclusive: '?',
  untested: '○',
  'not-selected': '·',
}

/** Requirement statuses worst first, as every format orders and counts them. */
export const REQUIREMENT_STATUS_ORDER: readonly RequirementStatus[] = ['errored', 'failed', 'waived', 'flaky', 'inconclusive', 'skipped', 'untested', 'not-selected', 'passed']

/** Requirements grouped by catalogue: the built-in one (name '') first, then user catalogues as first seen. */
export function byCatalogue(requirements: readonly RequirementResult[]): [string, RequirementResult[]][] {
  const groups = new Map<string, RequirementResult[]>([['', []]])
  for (const r of requirements) {
    const name = r.catalogue ?? ''
    groups.set(name, [...(groups.get(name) ?? []), r])
  }
  return [...groups].filter(([, list]) => list.length > 0)
}

/**
 * The requirements a failure says nothing about: a failed setup step checks
 * none; the text formats say so instead of blaming the scenario's requirements.
 */
export function failureChecks(f: Failure): string | undefined {
  if (f.checks === undefined) return undefined
  return f.checks.length ? `checks ${f.checks.join(', ')}` : 'setup step: the requirements were not reached (inconclusive)'
}

/** Every outcome in the order reports list them. */
export const OUTCOME_ORDER: readonly Outcome[] = ['passed', 'flaky', 'failed', 'errored', 'skipped', 'waived']

/** Human duration: `840 ms`, `1.25 s`, `2 min 05 s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return `${ms} ms`
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`
  const s = Math.round(ms / 1000)
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`
}

/** `file:line:col`; the file alone when the location is unknown. */
function formatLocation(location: SourceLocation | undefined, file?: string): string {
  if (location) return `${location.file}:${location.line}:${location.col}`
  return file ?? '(unknown location)'
}

/** Where a failure points: its own location, else the scenario's, else the scenario file. */
export function failureLocation(failure: Failure, scenario: Pick<ScenarioResult, 'file' | 'location'>): string {
  return formatLocation(failure.location ?? scenario.location, scenario.file)
}

/**
 * A value from a result as one line of JSON-like text. Results come from the
 * runner and may hold anything (Buffers, bigints, cycles), so this never throws.
 */
export function formatValue(value: unknown, maxLength = 400): string {
  let text: string
  if (value === undefined) text = 'undefined'
  else if (typeof value === 'string') text = JSON.stringify(value)
  else {
    const seen = new WeakSet<object>()
    try {
      text = JSON.stringify(value, (_key, v: unknown) => {
        if (typeof v === 'bigint') return `${v}n`
        if (typeof v === 'object' && v !== null) {
          if (seen.has(v)) return '[circular]'
          seen.add(v)
        }
        return v
      }) ?? String(value)
    } catch {
      text = String(value)
    }
  }
  return text.length > maxLength ? text.slice(0, maxLength - 1) + '…' : text
}

const DIR_ARROW: Record<TraceEntry['dir'], string> = { in: '←', out: '→', event: '•' }

/**
 * One trace entry as a line: time, client, direction (→ sent by the client,
 * ← received, • event), then the packet summary with `cmd` first.
 */
export function formatTraceEntry(entry: TraceEntry): string {
  const { cmd, ...rest } = entry.summary
  const head = cmd === undefined ? '' : String(cmd)
  const fields = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' ? v : formatValue(v, 120)}`)
  const t = Number.isFinite(entry.t) ? `${entry.t.toFixed(1)} ms` : String(entry.t)
  return `${t.padStart(10)}  ${entry.client}  ${DIR_ARROW[entry.dir] ?? entry.dir} ${[head, ...fields].filter(Boolean).join(' ')}`
}

/** The last `count` entries of a failure's trace (the packets closest to the failure). */
export function traceTail(failure: Failure, count: number): { entries: TraceEntry[]; omitted: number } {
  const trace = failure.trace ?? []
  const entries = count > 0 ? trace.slice(-count) : []
  return { entries, omitted: trace.length - entries.length }
}

/** Scenarios that passed only on a retry (`--retries`), in report order. */
export function flakyScenarios(scenarios: readonly ScenarioResult[]): ScenarioResult[] {
  return scenarios.filter((s) => s.status === 'flaky')
}

/** `attempt 1 failed: message` for each earlier attempt of a retried scenario. */
export function attemptLines(s: Pick<ScenarioResult, 'attempts'>): string[] {
  return (s.attempts ?? []).map((a, i) => `attempt ${i + 1} ${a.status}${a.failures[0] ? `: ${a.failures[0].message}` : ''}`)
}

/** Scenarios that need a person's attention (failed or errored), in report order. */
export function problemScenarios(scenarios: readonly ScenarioResult[]): ScenarioResult[] {
  return scenarios.filter((s) => s.status === 'failed' || s.status === 'errored')
}
