import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { catalogueCoverage, readCatalogue, mergeCoverage, REQUIREMENT_ID_PATTERN, type Requirement } from '../index.js'

const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
const script = join(repoRoot, 'scripts', 'build-catalogue.mjs')
const committedJson = join(repoRoot, 'spec', 'catalogue.json')
// The build script's default input, relative to the repository root.
const markdown = join(repoRoot, '..', 'shared', 'reference', 'aws-iot-core-behaviors.md')
const haveMarkdown = existsSync(markdown)

const work = mkdtempSync(join(tmpdir(), 'catalogue-test-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

const catalogue = readCatalogue()
const reqs = catalogue.requirements

function runScript(args: string[]) {
  return spawnSync(process.execPath, [script, ...args], { encoding: 'utf8' })
}

describe('catalogue entries', () => {
  it('has exactly 185 entries, numbered 1..185 in order', () => {
    expect(reqs).toHaveLength(185)
    expect(reqs.map((r) => r.number)).toEqual(Array.from({ length: 185 }, (_, i) => i + 1))
  })

  it('has unique ids in the catalogue’s id form', () => {
    const ids = reqs.map((r) => r.id)
    expect(new Set(ids).size).toBe(ids.length)
    for (const id of ids) expect(id, id).toMatch(REQUIREMENT_ID_PATTERN)
    // The two ids that are not plain upper-case words: a dot and a hex literal.
    expect(ids).toContain('KA-TIMEOUT-1.5X')
    expect(ids).toContain('ALIAS-OUT-OF-RANGE-0x94')
  })

  it('takes the first token of a heading as the id and keeps its cross-references', () => {
    expect(catalogue.byId('LIM-INFLIGHT')?.crossRefs).toEqual(['QOS1-INFLIGHT-100'])
    expect(catalogue.byId('LIM-SUBSCRIPTIONS')?.crossRefs).toEqual(['SUB-MAX-50-PER-CONNECTION', 'SUB-MAX-8-PER-SUBSCRIBE'])
    for (const r of reqs) for (const ref of r.crossRefs) expect(catalogue.byId(ref), `${r.id} → ${ref}`).toBeDefined()
  })

  it('gives every entry a statement, a source, a test and at least one version', () => {
    for (const r of reqs) {
      expect(r.statement.trim(), r.id).not.toBe('')
      expect(r.source.trim(), r.id).not.toBe('')
      expect(r.test.trim(), r.id).not.toBe('')
      expect(r.versions.length, r.id).toBeGreaterThan(0)
    }
  })

  it('matches the entry counts each section heading declares', () => {
    expect(catalogue.areas.map((a) => a.letter).join('')).toBe('ABCDEFGHIJKLM')
    for (const area of catalogue.areas) {
      expect(reqs.filter((r) => r.area.letter === area.letter).length, area.letter).toBe(area.declaredCount)
    }
    expect(catalogue.byId('RET-EXACT-MATCH')?.area).toEqual({ letter: 'G', name: 'Retained messages' })
  })

  it('classifies origins as the catalogue’s own counts do (section Q)', () => {
    const counts: Record<string, number> = {}
    for (const r of reqs) counts[r.origin] = (counts[r.origin] ?? 0) + 1
    expect(counts).toEqual({ SRC: 6, 'SRC+DOC': 76, DOC: 94, OBS: 7, INF: 2 })
    // Section Q: "20 entries carry an INF qualifier".
    expect(reqs.filter((r) => r.inferred)).toHaveLength(20)
    expect(catalogue.byId('M5-PUBACK-NO-MATCHING-SUBSCRIBERS')?.inferred).toBe(true)
    expect(catalogue.byId('TOPIC-MAX-256')).toMatchObject({ origin: 'DOC', originText: 'DOC (rejection form: INF)', inferred: true })
    expect(catalogue.byId('M5-CONNACK-PROPERTIES')?.origin).toBe('SRC+DOC') // "SRC (observed) + DOC"
  })

  it('normalizes Versions lines', () => {
    const v = (id: string) => catalogue.byId(id)?.versions
    expect(v('RET-EXACT-MATCH')).toEqual(['3.1.1', '5'])
    expect(v('DM-API-PATH')).toEqual(['3.1.1', '5', 'http'])
    expect(v('AUTHZ-ACTIONS')).toEqual(['3.1.1', '5', 'http'])
    expect(v('PS-EXPIRY-DEFAULT-1H')).toEqual(['3.1.1', '5'])
    expect(v('CONN-SNI')).toEqual(['transport'])
    expect(v('DM-NO-RULES')).toEqual(['n/a'])
    expect(v('RET-DM-EXCLUDED')).toEqual(['n/a'])
    // Section M entries have a Use line instead of Test, and no Versions line.
    expect(catalogue.byId('CLIB-MQTTJS')).toMatchObject({ versions: ['n/a'], versionsText: null, testLabel: 'Use' })
  })
})

describe('coverage classification', () => {
  it('classifies every entry, and only catalogue entries', () => {
    expect(Object.keys(catalogueCoverage).sort()).toEqual(reqs.map((r) => r.id).sort())
    for (const r of reqs) expect(typeof r.wire, r.id).toBe('boolean')
  })

  it('gives every non-wire entry a reason, and no wire entry one', () => {
    for (const r of reqs) {
      if (r.wire) expect(r.reason, r.id).toBeUndefined()
      else expect(r.reason?.trim(), r.id).toBeTruthy()
    }
  })

  it('marks every inferred wire entry soft, and says what is soft', () => {
    for (const r of reqs.filter((x) => x.inferred && x.wire)) expect(r.soft, r.id).toBe(true)
    for (const r of reqs.filter((x) => x.soft)) expect(r.note?.trim(), r.id).toBeTruthy()
  })

  it('keeps the calls the brief settles', () => {
    const c = (id: string) => catalogue.byId(id) as Requirement
    expect(c('PS-EXPIRY-DEFAULT-1H').wire).toBe(true) // a profile can shorten session expiry
    for (const id of ['LC-TOPICS-PAYLOAD', 'LC-DISCONNECT-REASONS', 'LC-VERSION-NUMBER', 'CID-TAKEOVER-V5-REASON']) expect(c(id).wire, id).toBe(true)
    for (const id of ['DM-NO-RULES', 'DM-CLOUDWATCH-REASON', 'RET-LIFETIME-3Y', 'CONN-WEBSOCKET-24H']) expect(c(id).wire, id).toBe(false)
    for (const r of reqs.filter((x) => x.area.letter === 'M')) expect(r.wire, r.id).toBe(false)
  })

  it('refuses coverage that is out of step with the entries', () => {
    const entries = reqs.slice(0, 2).map(({ wire: _w, reason: _r, soft: _s, note: _n, ...entry }) => entry)
    const [a, b] = entries.map((e) => e.id)
    expect(() => mergeCoverage(entries, { [a!]: { wire: true } })).toThrow(`no classification for ${b}`)
    expect(() => mergeCoverage(entries, { [a!]: { wire: true }, [b!]: { wire: true }, 'NOPE-1': { wire: true } })).toThrow('unknown ids NOPE-1')
    expect(() => mergeCoverage(entries, { [a!]: { wire: true }, [b!]: { wire: false } })).toThrow(b)
  })
})

describe('contradictions and quotas', () => {
  it('has C1..C16 in order', () => {
    expect(catalogue.contradictions.map((c) => c.id)).toEqual(Array.from({ length: 16 }, (_, i) => `C${i + 1}`))
    for (const c of catalogue.contradictions) {
      expect(c.topic && c.conflict && c.resolution, c.id).toBeTruthy()
    }
  })

  it('keeps a | inside a code span in one cell', () => {
    expect(catalogue.contradictions[1]?.conflict).toContain('`?qos=0|1`')
    expect(catalogue.contradictions[1]?.resolution).toBe('Follow HTTP-QOS-PARAM.')
  })

  it('has the section P quota rows', () => {
    expect(catalogue.quotas.length).toBeGreaterThanOrEqual(30)
    expect(catalogue.quotas[0]).toEqual({ name: 'Client ID size', value: '128 bytes UTF-8', adjustable: 'No', evidence: 'quota copies, SDK constants, DM docs', confidence: 'high' })
  })

  it('answers byId for unknown ids with undefined', () => {
    expect(catalogue.byId('NO-SUCH-ID')).toBeUndefined()
  })
})

describe('scripts/build-catalogue.mjs', () => {
  const regenerates = haveMarkdown
    ? 'regenerates the committed spec/catalogue.json byte for byte'
    : `regenerates the committed spec/catalogue.json (skipped: the Markdown catalogue is absent at ${markdown})`
  it.skipIf(!haveMarkdown)(regenerates, () => {
    const out = join(work, 'catalogue.json')
    execFileSync(process.execPath, [script, markdown, '--out', out], { stdio: 'pipe' })
    // Compare text, not parsed JSON: the committed file must be exactly what the script writes.
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(committedJson, 'utf8'))
  })

  it('stops with the line number on a malformed entry', () => {
    const bad = join(work, 'bad.md')
    writeFileSync(bad, [
      '## A. Direct Messaging — 1 requirements',
      '',
      '### 1. DM-X',
      '- **Origin:** DOC',
      '- **Versions:** HTTP',
      '- **Source:** here',
      '- **Test:** there',
      '',
    ].join('\n'))
    const result = runScript([bad, '--out', join(work, 'bad.json')])
    expect(result.status).toBe(1)
    expect(result.stderr).toContain('line 3: DM-X lacks Statement')
    expect(existsSync(join(work, 'bad.json'))).toBe(false)
  })
})
