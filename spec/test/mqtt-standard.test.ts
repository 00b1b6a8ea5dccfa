import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { knownRequirementIds, readCatalogue, readMqttStandards, REQUIREMENT_ID_PATTERN, statementRef, statementRefVersion } from '../index.js'

const file = fileURLToPath(new URL('../mqtt-standard.json', import.meta.url))
const catalogueIds = new Set(readCatalogue().requirements.map((r) => r.id))
const standards = readMqttStandards(file, catalogueIds)
const byVersion = (v: '3.1.1' | '5') => standards.standards.find((s) => s.version === v)!
const work = mkdtempSync(join(tmpdir(), 'mqtt-standard-test-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

describe('spec/mqtt-standard.json', () => {
  it('holds every numbered statement: 141 of MQTT 3.1.1 (Appendix B) and 251 of MQTT 5.0', () => {
    expect(byVersion('3.1.1').statements).toHaveLength(141)
    expect(byVersion('5').statements).toHaveLength(251)
  })

  it('has ids whose section is the one they name, and chapters for all of them', () => {
    for (const s of standards.statements) {
      expect(s.id.startsWith(`MQTT-${s.section}-`), s.id).toBe(true)
      expect(s.section === s.chapter.number || s.section.startsWith(`${s.chapter.number}.`), s.id).toBe(true)
    }
  })

  it('spot-checks ids that differ between the versions', () => {
    // 3.1.1 has the keep-alive timeout at 3.1.2-24; 5.0 has it at 3.1.2-22 and Maximum Packet Size at 3.1.2-24.
    expect(standards.byRef('MQTT311-3.1.2-24')?.statement).toMatch(/keep-alive/)
    expect(standards.byRef('MQTT5-3.1.2-22')?.statement).toMatch(/keep-alive/)
    expect(standards.byRef('MQTT5-3.1.2-24')?.statement).toMatch(/Maximum Packet Size/)
    // Only in one version.
    expect(standards.byRef('MQTT5-4.2-1')).toBeDefined()
    expect(standards.byRef('MQTT311-3.15.1-1')).toBeUndefined()
    expect(standards.byRef('MQTT311-7.1.2-1')?.binds).toBe('client')
  })

  it('gives a reason exactly for the statements a client cannot observe, and never calls a client-only statement observable', () => {
    for (const s of standards.statements) {
      expect(s.observable === (s.reason === undefined), s.ref).toBe(true)
      if (s.binds === 'client') expect(s.observable, s.ref).toBe(false)
    }
  })

  it('names only catalogue behaviours in its AWS relations, and every override says why', () => {
    for (const s of standards.statements) {
      if (s.aws.relation === 'overridden') {
        expect(s.aws.by.every((id) => catalogueIds.has(id)), s.ref).toBe(true)
        expect(s.aws.reason.length, s.ref).toBeGreaterThan(10)
      }
      if (s.aws.relation === 'same') expect(s.aws.see.every((id) => catalogueIds.has(id)), s.ref).toBe(true)
    }
  })

  it('refuses a file with a duplicate id, a misplaced section or an unknown catalogue id', () => {
    const doc = JSON.parse(readFileSync(file, 'utf8'))
    const bad = structuredClone(doc)
    bad.standards[0].statements.push(bad.standards[0].statements[0])
    bad.standards[1].statements[0].section = '9.9'
    bad.standards[1].statements[1].aws = { relation: 'same', see: ['NO-SUCH-BEHAVIOUR'] }
    const path = join(work, 'bad.json')
    writeFileSync(path, JSON.stringify(bad))
    expect(() => readMqttStandards(path, catalogueIds)).toThrow(/duplicate id.*section 9.9 is not the one the id names.*unknown catalogue id NO-SUCH-BEHAVIOUR/s)
  })

  it('refuses an entry without a reason for being unobservable', () => {
    const doc = JSON.parse(readFileSync(file, 'utf8'))
    const s = doc.standards[0].statements.find((x: { observable: boolean }) => !x.observable)
    delete s.reason
    const path = join(work, 'no-reason.json')
    writeFileSync(path, JSON.stringify(doc))
    expect(() => readMqttStandards(path)).toThrow(/reason is required exactly when observable is false/)
  })
})

describe('statement refs', () => {
  it('qualify the id by version and fit the requirement id pattern scenarios use', () => {
    expect(statementRef('5', 'MQTT-3.1.2-4')).toBe('MQTT5-3.1.2-4')
    expect(statementRef('3.1.1', 'MQTT-3.1.2-4')).toBe('MQTT311-3.1.2-4')
    expect(statementRefVersion('MQTT311-3.1.2-4')).toBe('3.1.1')
    expect(statementRefVersion('RET-EXACT-MATCH')).toBeUndefined()
    for (const s of standards.statements) expect(REQUIREMENT_ID_PATTERN.test(s.ref), s.ref).toBe(true)
  })

  it('are known requirement ids next to the catalogue ids, with no collision', () => {
    const known = knownRequirementIds()
    expect(known.size).toBe(catalogueIds.size + standards.statements.length)
    expect(known.has('MQTT5-3.12.4-1') && known.has('RET-EXACT-MATCH')).toBe(true)
  })
})
