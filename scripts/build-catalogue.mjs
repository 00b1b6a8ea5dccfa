#!/usr/bin/env node
/**
 * Builds spec/catalogue.json from the Markdown behaviour catalogue.
 *
 *   node scripts/build-catalogue.mjs [catalogue.md] [--out file.json]
 *
 * The Markdown path defaults to ../shared/reference/aws-iot-core-behaviors.md
 * relative to the repository root; --out defaults to spec/catalogue.json.
 * Relative paths given on the command line are relative to the current
 * directory. The output depends only on the Markdown (no dates, no absolute
 * paths), so re-running it on the same input gives the same bytes; the
 * committed JSON is checked against a fresh run in spec/test/catalogue.test.ts.
 *
 * Plain Node with node:fs only: this runs before anything is built.
 * Any structural surprise in the Markdown stops the build with its line number,
 * because a silently mis-parsed requirement would be worse than no catalogue.
 */
import { readFileSync, writeFileSync } from 'node:fs'

const repoRoot = new URL('../', import.meta.url)
const DEFAULT_MARKDOWN = new URL('../shared/reference/aws-iot-core-behaviors.md', repoRoot)
const DEFAULT_OUT = new URL('spec/catalogue.json', repoRoot)

/** Canonical order of normalized versions (also the order they are listed in). */
const VERSION_ORDER = ['3.1.1', '5', 'http', 'transport', 'n/a']

/** Bold field labels an entry may carry; `Use` replaces `Test` in section M. */
const FIELDS = ['Origin', 'Statement', 'Versions', 'Source', 'Test', 'Use']

class CatalogueFormatError extends Error {
  constructor(line, message) {
    super(`catalogue line ${line}: ${message}`)
    this.name = 'CatalogueFormatError'
  }
}

/**
 * Splits a Markdown table row into trimmed cells. A `|` inside a code span
 * (`?qos=0|1` in C2) or escaped as `\|` is cell content, not a separator.
 */
function splitTableRow(row) {
  const cells = []
  let cell = ''
  let inCode = false
  for (let i = 0; i < row.length; i++) {
    const ch = row[i]
    if (ch === '\\' && row[i + 1] === '|') { cell += '|'; i++; continue }
    if (ch === '`') inCode = !inCode
    if (ch === '|' && !inCode) { cells.push(cell.trim()); cell = ''; continue }
    cell += ch
  }
  cells.push(cell.trim())
  // The leading and trailing pipes produce empty first and last cells.
  if (cells[0] === '') cells.shift()
  if (cells[cells.length - 1] === '') cells.pop()
  return cells
}

/**
 * The leading origin tag: text after `;` and inside parentheses qualifies the
 * tag, so `SRC (observed) + DOC` is SRC+DOC while `DOC + OBS` stays DOC (as the
 * catalogue's own counts in section Q classify them).
 */
function originTag(text, line) {
  const head = text.split(';')[0].replace(/\([^)]*\)/g, '').replace(/\s*\+\s*/g, '+').trim()
  const match = /^(SRC\+DOC|SRC|DOC|OBS|INF)\b/.exec(head)
  if (!match) throw new CatalogueFormatError(line, `origin "${text}" does not start with SRC, DOC, SRC+DOC, OBS or INF`)
  return match[1]
}

/**
 * Normalizes a Versions line to a subset of VERSION_ORDER. Parenthetical notes
 * are kept in the scan on purpose: "3.1.1 (and MQTT 5 default maximum)" is about
 * MQTT 5 too. `v5` (a packet qualifier, not a version) and numbers inside
 * reason codes do not count. A missing line (section M) or `—` means n/a.
 */
function normalizeVersions(text) {
  if (text === null) return ['n/a']
  const found = new Set()
  const t = text.trim()
  if (t === '' || t === '—' || t === '-') found.add('n/a')
  if (/^all$/i.test(t)) { found.add('3.1.1'); found.add('5'); found.add('http') }
  if (/(?<![\w.])3\.1\.1(?![\w.])/.test(t)) found.add('3.1.1')
  if (/(?<![\w.])5(?![\w.])/.test(t)) found.add('5')
  if (/\bHTTPS?\b/.test(t)) found.add('http')
  if (/\btransport\b/i.test(t)) found.add('transport')
  if (/\bn\/a\b/i.test(t)) found.add('n/a')
  return VERSION_ORDER.filter((v) => found.has(v))
}

/** Ids named in a heading remark such as `(cross-ref SUB-MAX-50-PER-CONNECTION, SUB-MAX-8-PER-SUBSCRIBE)`. */
function crossRefs(remark) {
  const match = /\(cross-ref\s+([^)]*)\)/.exec(remark)
  if (!match) return []
  return match[1].split(',').map((s) => s.trim()).filter(Boolean)
}

function finishEntry(entry) {
  if (!entry) return
  const missing = ['Origin', 'Statement', 'Source'].filter((f) => !entry.fields[f])
  if (!entry.fields.Test && !entry.fields.Use) missing.push('Test (or Use)')
  if (missing.length) throw new CatalogueFormatError(entry.line, `${entry.id} lacks ${missing.join(', ')}`)
  if (entry.fields.Test && entry.fields.Use) throw new CatalogueFormatError(entry.line, `${entry.id} has both Test and Use`)
}

/**
 * Parses the catalogue Markdown. Returns the object written to catalogue.json.
 */
function parseCatalogue(markdown) {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n')
  const areas = []
  const entries = []
  const contradictions = []
  const quotas = []
  let section = null // { letter, kind: 'entries' | 'contradictions' | 'quotas' | 'other', area? }
  let entry = null
  let field = null
  let quotaHeaderSeen = false

  const compiled = /Compiled (\d{4}-\d{2}-\d{2})/.exec(markdown)?.[1] ?? null

  for (let i = 0; i < lines.length; i++) {
    const n = i + 1
    const line = lines[i]

    const h2 = /^## (\S+)\. (.+)$/.exec(line)
    if (h2) {
      finishEntry(entry); entry = null; field = null
      const letter = h2[1]
      const counted = /^(.*\S)\s+—\s+(\d+)\s+(requirements?|notes?)$/.exec(h2[2])
      if (counted) {
        const area = { letter, name: counted[1], declaredCount: Number(counted[2]), note: null }
        if (areas.some((a) => a.letter === letter)) throw new CatalogueFormatError(n, `section ${letter} appears twice`)
        areas.push(area)
        section = { letter, kind: 'entries', area }
      } else if (/^Contradictions\b/.test(h2[2])) {
        section = { letter, kind: 'contradictions' }
      } else if (/^Quota summary\b/.test(h2[2])) {
        section = { letter, kind: 'quotas' }
      } else {
        section = { letter, kind: 'other' }
      }
      continue
    }

    if (/^-{3,}\s*$/.test(line)) { finishEntry(entry); entry = null; field = null; continue }

    if (section?.kind === 'entries') {
      const h3 = /^### (\d+)\. (\S+)(?:\s+(.*))?$/.exec(line)
      if (h3) {
        finishEntry(entry)
        const number = Number(h3[1])
        const previous = entries[entries.length - 1]
        if (number !== (previous ? previous.number + 1 : 1)) {
          throw new CatalogueFormatError(n, `entry number ${number} out of sequence (after ${previous?.number ?? 'none'})`)
        }
        entry = { id: h3[2], number, remark: h3[3] ?? '', area: section.area, fields: {}, line: n }
        entries.push(entry)
        field = null
        continue
      }
      if (/^#/.test(line)) throw new CatalogueFormatError(n, `unexpected heading inside section ${section.letter}: ${line}`)
      const bullet = /^- \*\*([A-Za-z]+):\*\*\s*(.*)$/.exec(line)
      if (bullet) {
        if (!entry) throw new CatalogueFormatError(n, 'field outside an entry')
        const [, label, value] = bullet
        if (!FIELDS.includes(label)) throw new CatalogueFormatError(n, `unknown field "${label}" in ${entry.id}`)
        if (entry.fields[label] !== undefined) throw new CatalogueFormatError(n, `${entry.id} repeats field ${label}`)
        entry.fields[label] = value.trim()
        field = label
        continue
      }
      if (line.trim() === '') { field = null; continue }
      // A wrapped field value continues on the next line; before the first
      // entry, free text is the section's preface (section M has one).
      if (entry && field) { entry.fields[field] += ' ' + line.trim(); continue }
      if (!entry) {
        section.area.note = section.area.note ? `${section.area.note} ${line.trim()}` : line.trim()
        continue
      }
      throw new CatalogueFormatError(n, `unexpected text in ${entry.id}: ${line}`)
    }

    if (section?.kind === 'contradictions' && /^\|\s*C\d+\s*\|/.test(line)) {
      const cells = splitTableRow(line)
      if (cells.length !== 4) throw new CatalogueFormatError(n, `contradiction row has ${cells.length} cells, expected 4`)
      const [id, topic, conflict, resolution] = cells
      contradictions.push({ id, topic, conflict, resolution })
      continue
    }

    if (section?.kind === 'quotas' && line.startsWith('|')) {
      const cells = splitTableRow(line)
      if (cells.every((c) => /^:?-+:?$/.test(c))) continue // the |---| separator
      if (!quotaHeaderSeen) {
        const expected = ['Quota (AWS name)', 'Value', 'Adjustable', 'Evidence', 'Confidence']
        if (cells.join('|') !== expected.join('|')) throw new CatalogueFormatError(n, `quota table header changed: ${line}`)
        quotaHeaderSeen = true
        continue
      }
      if (cells.length !== 5) throw new CatalogueFormatError(n, `quota row has ${cells.length} cells, expected 5`)
      const [name, value, adjustable, evidence, confidence] = cells
      quotas.push({ name, value, adjustable, evidence, confidence })
    }
  }
  finishEntry(entry)

  const seen = new Set()
  const requirements = entries.map((e) => {
    if (seen.has(e.id)) throw new CatalogueFormatError(e.line, `duplicate id ${e.id}`)
    seen.add(e.id)
    const originText = e.fields.Origin
    const versionsText = e.fields.Versions ?? null
    return {
      id: e.id,
      number: e.number,
      area: { letter: e.area.letter, name: e.area.name },
      origin: originTag(originText, e.line),
      originText,
      // Any INF qualifier, whole-entry (`INF`) or partial (`DOC (reaction: INF)`).
      inferred: /\bINF\b/.test(originText),
      statement: e.fields.Statement,
      versions: normalizeVersions(versionsText),
      versionsText,
      source: e.fields.Source,
      test: e.fields.Test ?? e.fields.Use,
      testLabel: e.fields.Test !== undefined ? 'Test' : 'Use',
      crossRefs: crossRefs(e.remark),
    }
  })

  return {
    $comment: 'Generated by scripts/build-catalogue.mjs (npm run catalogue) from aws-iot-core-behaviors.md. Do not edit by hand.',
    source: 'aws-iot-core-behaviors.md',
    compiled,
    areas,
    requirements,
    contradictions,
    quotas,
  }
}

/** The exact bytes written for a parsed catalogue (2-space JSON, trailing newline). */
function renderCatalogue(catalogue) {
  return JSON.stringify(catalogue, null, 2) + '\n'
}

function parseArgs(argv) {
  let markdown = DEFAULT_MARKDOWN
  let out = DEFAULT_OUT
  const rest = [...argv]
  while (rest.length) {
    const arg = rest.shift()
    if (arg === '--out' || arg === '-o') {
      const value = rest.shift()
      if (!value) throw new Error('--out needs a file path')
      out = value
    } else if (arg === '--help' || arg === '-h') {
      process.stdout.write('usage: node scripts/build-catalogue.mjs [catalogue.md] [--out file.json]\n')
      process.exit(0)
    } else if (arg.startsWith('-')) {
      throw new Error(`unknown option ${arg}`)
    } else {
      markdown = arg
    }
  }
  return { markdown, out }
}

function main() {
  const { markdown, out } = parseArgs(process.argv.slice(2))
  const catalogue = parseCatalogue(readFileSync(markdown, 'utf8'))
  writeFileSync(out, renderCatalogue(catalogue))
  const where = out instanceof URL ? 'spec/catalogue.json' : out
  process.stderr.write(`build-catalogue: wrote ${where}: ${catalogue.requirements.length} requirements, `
    + `${catalogue.contradictions.length} contradictions, ${catalogue.quotas.length} quotas\n`)
}

try {
  main()
} catch (err) {
  process.stderr.write(`build-catalogue: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exit(1)
}
