import type { MqttStandard, MqttStatement, Outcome, Requirement, RunReport, ScenarioResult, StatementLevel } from '../spec/index.js'
import { statementRefVersion } from '../spec/index.js'
import { worstOutcome } from './resolve-requirements.js'

/**
 * How one normative statement (or catalogue behaviour) came out of a run,
 * counted in exactly one column of the compliance page:
 * - `passed` / `failed`: scenarios checked it (failed: the worst cell failed or errored);
 * - `untested`: observable, but no scenario cell for its version ran (none tagged, or all skipped);
 * - `not-observable`: no client can decide it on the wire (client-side, transport, permission);
 * - `overridden`: the aws-iot-core profile replaces it by a catalogue behaviour
 *   (checked as that behaviour, so not counted again here).
 */
export const COMPLIANCE_STATUSES = ['passed', 'failed', 'untested', 'not-observable', 'overridden'] as const
export type ComplianceStatus = (typeof COMPLIANCE_STATUSES)[number]

/** How a profile checks the standards: as written, or with AWS overrides applied. */
export type ComplianceMode = 'standard' | 'aws'

export interface ComplianceRow {
  /** The id scenarios use (MQTT5-3.1.2-4, or a catalogue id). */
  ref: string
  /** The id as its document writes it (MQTT-3.1.2-4, or the catalogue id). */
  id: string
  /** MUST/SHOULD/MAY for standard statements; catalogue behaviours have none. */
  level?: StatementLevel
  binds?: MqttStatement['binds']
  statement: string
  status: ComplianceStatus
  /** Scenario cells that decided it (passed/failed). */
  scenarios: string[]
  /** Why not observable, why overridden (with the overriding behaviours' verdicts), or what failed. */
  note?: string
}

export interface ComplianceCounts {
  statements: number
  levels: Record<StatementLevel, number>
  status: Record<ComplianceStatus, number>
}

export interface ComplianceSection {
  /** 3.1, or a catalogue area letter. */
  number: string
  name: string
  counts: ComplianceCounts
  rows: ComplianceRow[]
}

/** One catalogue on the compliance page: MQTT 3.1.1, MQTT 5.0, or the AWS IoT Core behaviours. */
export interface ComplianceCatalogue {
  /** File-name key: mqtt-3.1.1, mqtt-5, aws-iot-core. */
  key: string
  title: string
  source: string
  counts: ComplianceCounts
  sections: ComplianceSection[]
}

export interface ComplianceView {
  profile: string
  mode: ComplianceMode
  targetName: string
  startedAt: string
  catalogues: ComplianceCatalogue[]
}

export interface ComplianceInput {
  standards: readonly MqttStandard[]
  catalogue: readonly Requirement[]
  /** The AWS catalogue's sections (letter → name), in order. */
  areas: readonly { letter: string; name: string }[]
}

/** The profile a report ran with decides the mode: aws-iot-core applies AWS overrides; anything else checks as written. */
export function complianceMode(profile: string): ComplianceMode {
  return /(^|[/\\])aws-iot-core(\.ya?ml)?$/.test(profile) ? 'aws' : 'standard'
}

/**
 * The protocol version of a matrix cell: its `version` key (3.1.1, 5) or its
 * `level` key (the CONNECT protocol level, 4 or 5); undefined when the matrix
 * has neither (the scenario then speaks for the versions its clients use).
 */
export function cellVersion(matrix: Readonly<Record<string, unknown>> | undefined): '3.1.1' | '5' | undefined {
  const v = matrix?.version ?? (matrix?.level === undefined ? undefined : String(matrix.level) === '4' ? '3.1.1' : String(matrix.level))
  if (v === undefined) return undefined
  return String(v) === '5' ? '5' : String(v) === '3.1.1' || String(v) === '4' ? '3.1.1' : undefined
}

/** Whether a scenario cell's result may count for a requirement ref: a version-qualified statement counts only in cells of its version. */
function cellCounts(ref: string, result: Pick<ScenarioResult, 'matrix'>): boolean {
  const version = statementRefVersion(ref)
  if (!version) return true
  const cell = cellVersion(result.matrix)
  return cell === undefined || cell === version
}

function emptyCounts(): ComplianceCounts {
  return { statements: 0, levels: { MUST: 0, SHOULD: 0, MAY: 0 }, status: Object.fromEntries(COMPLIANCE_STATUSES.map((s) => [s, 0])) as Record<ComplianceStatus, number> }
}

function add(counts: ComplianceCounts, row: ComplianceRow): void {
  counts.statements++
  if (row.level) counts.levels[row.level]++
  counts.status[row.status]++
}

function section(number: string, name: string, rows: ComplianceRow[]): ComplianceSection {
  const counts = emptyCounts()
  for (const r of rows) add(counts, r)
  return { number, name, counts, rows }
}

function total(sections: readonly ComplianceSection[]): ComplianceCounts {
  const counts = emptyCounts()
  for (const s of sections) for (const r of s.rows) add(counts, r)
  return counts
}

/** Scenario cells that ran (not skipped) for each requirement ref. */
function ranByRef(results: readonly ScenarioResult[]): Map<string, { id: string; status: Outcome }[]> {
  const out = new Map<string, { id: string; status: Outcome }[]>()
  for (const s of results) {
    if (s.status === 'skipped') continue
    for (const ref of new Set(s.requirements)) {
      if (!cellCounts(ref, s)) continue
      out.set(ref, [...(out.get(ref) ?? []), { id: s.id, status: s.status }])
    }
  }
  return out
}

/** passed / failed from the cells that ran; waived counts as failed for compliance (a declared deviation is still a deviation). */
function verdict(cells: readonly { id: string; status: Outcome }[] | undefined): { status: 'passed' | 'failed' | 'untested'; scenarios: string[] } {
  if (!cells?.length) return { status: 'untested', scenarios: [] }
  const worst = worstOutcome(cells.map((c) => c.status))
  return { status: worst === 'passed' ? 'passed' : 'failed', scenarios: cells.map((c) => c.id) }
}

function failedCells(cells: readonly { id: string; status: Outcome }[] | undefined): string | undefined {
  const bad = (cells ?? []).filter((c) => c.status !== 'passed')
  return bad.length ? `${bad.map((c) => `${c.id} ${c.status}`).join(', ')}` : undefined
}

/**
 * The compliance page's content for a run: each catalogue by section, each
 * statement in exactly one column. Under the aws-iot-core profile a statement
 * AWS overrides is reported as overridden, with the verdicts of the behaviours
 * that replace it (those are counted in the AWS catalogue, not twice).
 */
export function buildCompliance(report: RunReport, input: ComplianceInput): ComplianceView {
  const profile = report.target.profile ?? report.target.name
  const mode = complianceMode(profile)
  const ran = ranByRef(report.scenarios)
  const catalogueVerdict = (id: string) => verdict(ran.get(id)).status
  /** A row decided by the scenario cells that name `ref`: passed, failed (which cells) or untested. */
  const ranRow = (base: Pick<ComplianceRow, 'ref' | 'id' | 'statement' | 'level' | 'binds'>, ref: string): ComplianceRow => {
    const cells = ran.get(ref)
    const v = verdict(cells)
    const note = v.status === 'failed' ? failedCells(cells) : undefined
    return { ...base, status: v.status, scenarios: v.scenarios, ...(note ? { note } : {}) }
  }

  const catalogues: ComplianceCatalogue[] = input.standards.map((std) => {
    const rowOf = (s: MqttStatement): ComplianceRow => {
      const base = { ref: s.ref, id: s.id, level: s.level, binds: s.binds, statement: s.statement }
      if (!s.observable) return { ...base, status: 'not-observable', scenarios: [], note: s.reason! }
      if (mode === 'aws' && s.aws.relation === 'overridden') {
        const by = s.aws.by.map((id) => `${id} (${catalogueVerdict(id)})`).join(', ')
        return { ...base, status: 'overridden', scenarios: [], note: `${s.aws.reason} Checked as ${by}.` }
      }
      return ranRow(base, s.ref)
    }
    const sections = std.chapters
      .map((ch) => section(ch.number, ch.name, std.statements.filter((s) => s.chapter.number === ch.number).map(rowOf)))
      .filter((sec) => sec.rows.length > 0)
    const key = std.version === '5' ? 'mqtt-5' : 'mqtt-3.1.1'
    return { key, title: std.title, source: `${std.source} (${std.url})`, counts: total(sections), sections }
  })

  if (mode === 'aws') {
    const rowOf = (r: Requirement): ComplianceRow => {
      const base = { ref: r.id, id: r.id, statement: r.statement }
      if (!r.wire) return { ...base, status: 'not-observable', scenarios: [], note: r.reason! }
      return ranRow(base, r.id)
    }
    const sections = input.areas
      .map((a) => section(a.letter, a.name, input.catalogue.filter((r) => r.area.letter === a.letter).map(rowOf)))
      .filter((sec) => sec.rows.length > 0)
    catalogues.push({ key: 'aws-iot-core', title: 'AWS IoT Core behaviours', source: 'spec/catalogue.json', counts: total(sections), sections })
  }

  return { profile, mode, targetName: report.target.name, startedAt: report.startedAt, catalogues }
}
