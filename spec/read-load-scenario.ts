import { readFile } from 'node:fs/promises'
import type { SourceLocation } from './report-schema.js'
import type { LoadMode } from './load-report-schema.js'
import { loadScenarioSchema, thresholdDeclSchema, type LoadScenarioDoc } from './load-scenario-schema.js'
import { parseThreshold, type Threshold } from './load-threshold.js'
import { parseYamlSource, type SourceIssue, type YamlSource } from './yaml-source.js'
import { zodProblems } from './zod-problems.js'

/** What a load run does: drive SendDirectMessage at devices, or MQTT publishers at subscribers. */

/** A threshold as parsed from a load scenario; `abort` when it may stop the run early. */
export interface ParsedThreshold {
  threshold: Threshold
  location: SourceLocation
  /** abortOnFail: stop the run when it fails, checked from `delayMs` after the first stage began. */
  abort?: { delayMs: number }
}

/** A validated load scenario: the document, its mode, and its thresholds parsed. */
export interface LoadScenario extends LoadScenarioDoc {
  file: string
  mode: LoadMode
  /** Parsed thresholds with where each one is written. */
  parsedThresholds: ParsedThreshold[]
}

/**
 * Validates a load scenario's text. Every problem (YAML, schema, cross-field,
 * threshold syntax) comes back with file:line:col; the scenario only when
 * there is none, so nothing runs on a half-valid file.
 */
export function parseLoadScenarioText(text: string, file: string): { scenario?: LoadScenario; issues: SourceIssue[] } {
  const { source, issues } = parseYamlSource(text, file)
  if (!source) return { issues }
  if (source.data === null || typeof source.data !== 'object' || Array.isArray(source.data)) {
    return { issues: [source.issue([], 'a load scenario is a YAML mapping with id, title, stages and directMessage or pubsub')] }
  }
  const out: SourceIssue[] = []
  const parsed = loadScenarioSchema.safeParse(source.data)
  if (!parsed.success) {
    for (const p of zodProblems(parsed.error.issues)) out.push(source.issue(p.path, p.message, { key: p.key }))
  }
  const raw = source.data as Record<string, unknown>
  const mode: LoadMode = raw.pubsub !== undefined && raw.directMessage === undefined ? 'pubsub' : 'direct-messages'
  const thresholds = parseThresholds(raw.thresholds, mode, source, text, out)
  if (parsed.success) crossChecks(parsed.data, mode, source, out)
  out.sort((a, b) => a.line - b.line || a.col - b.col)
  if (out.length || !parsed.success) return { issues: out }
  return { scenario: { ...parsed.data, file, mode, parsedThresholds: thresholds }, issues: [] }
}

/** Reads and validates a load scenario file (see parseLoadScenarioText). */
export async function readLoadScenarioFile(file: string): Promise<{ scenario?: LoadScenario; issues: SourceIssue[] }> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    return { issues: [{ file, line: 1, col: 1, path: '', message: code === 'ENOENT' ? 'no such file' : `cannot read: ${code ?? err}` }] }
  }
  return parseLoadScenarioText(text, file)
}

function parseThresholds(raw: unknown, mode: LoadMode, source: YamlSource, text: string, out: SourceIssue[]) {
  const result: LoadScenario['parsedThresholds'] = []
  if (!Array.isArray(raw)) return result
  const lines = text.split('\n')
  raw.forEach((item, i) => {
    const decl = thresholdDeclSchema.safeParse(item)
    const expr = typeof item === 'string' ? item : decl.success ? decl.data.threshold : undefined
    if (expr === undefined) return // the schema reports it
    const path = typeof item === 'string' ? ['thresholds', i] : ['thresholds', i, 'threshold']
    const location = source.locate(path)
    const abort = decl.success && decl.data.abortOnFail ? { abort: { delayMs: decl.data.delayAbortEval } } : {}
    const r = parseThreshold(expr, mode)
    if ('threshold' in r) return result.push({ threshold: r.threshold, location, ...abort })
    // Point into the expression itself; a quoted scalar starts one column before its text.
    const quoted = /['"]/.test(lines[location.line - 1]?.[location.col - 1] ?? '')
    out.push({ ...location, col: location.col + r.error.offset + (quoted ? 1 : 0), path: typeof item === 'string' ? `thresholds[${i}]` : `thresholds[${i}].threshold`, message: `${r.error.message} in "${expr}"` })
  })
  return result
}

function crossChecks(doc: LoadScenarioDoc, mode: LoadMode, source: YamlSource, out: SourceIssue[]) {
  const add = (path: (string | number)[], message: string, key = false) => out.push(source.issue(path, message, { key }))
  if (doc.directMessage && doc.pubsub) add(['pubsub'], 'a load scenario drives either directMessage or pubsub, not both', true)
  if (!doc.directMessage && !doc.pubsub) add([], 'give directMessage (SendDirectMessage load) or pubsub (MQTT publish/subscribe load)')
  const d = doc.devices
  if (mode === 'direct-messages') {
    if (d.count === undefined) add(['devices'], 'devices.count is required for direct-message load')
    if (typeof doc.targets === 'object' && d.count !== undefined && doc.targets.hot.devices >= d.count) add(['targets', 'hot', 'devices'], `hot devices (${doc.targets.hot.devices}) must be fewer than devices.count (${d.count})`)
  } else if (doc.pubsub) {
    const p = doc.pubsub
    if (d.count !== undefined && d.count !== p.publishers + p.subscribers) add(['devices', 'count'], `pub/sub load connects publishers + subscribers (${p.publishers + p.subscribers}); leave devices.count out`)
    if (p.pattern === 'pairs' && p.publishers !== p.subscribers) add(['pubsub', 'subscribers'], `pattern pairs needs as many subscribers as publishers (${p.publishers})`)
    if (doc.closedLoop) add(['closedLoop'], 'closedLoop drives the HTTP API: direct-message load only', true)
    if ('targets' in (source.data as object)) add(['targets'], 'targets selects direct-message receivers: direct-message load only', true)
    if (d.behaviours.length) add(['devices', 'behaviours'], 'behaviours apply to direct-message receivers: direct-message load only', true)
  }
  const shares = d.behaviours.reduce((s, b) => s + b.share, 0)
  if (shares > 1 + 1e-9) add(['devices', 'behaviours'], `behaviour shares add up to ${shares.toFixed(3)}; at most 1 (the rest acknowledge immediately)`)
  if (d.transport === 'mtls' && !d.identities) add(['devices', 'transport'], 'mtls needs devices.identities: { dir } or { issueFrom: { cert, key } }')
  if (d.transport !== 'mtls' && d.identities) add(['devices', 'identities'], 'identities are client certificates: use transport: mtls', true)
  doc.stages.forEach((s, i) => {
    if (s.from !== undefined && s.stage !== 'ramp') add(['stages', i, 'from'], 'only a ramp has a start rate', true)
    if (s.duration <= 0) add(['stages', i, 'duration'], 'a stage lasts more than 0 ms')
  })
  if (doc.directMessage && doc.http.clientTimeout !== undefined && doc.directMessage.confirmation && doc.http.clientTimeout <= doc.directMessage.timeout * 1000) {
    add(['http', 'clientTimeout'], `clientTimeout must exceed the API timeout (${doc.directMessage.timeout}s): the API may answer after its timeout [DM-TIMEOUT-SLACK]`)
  }
}
