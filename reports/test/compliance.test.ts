import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { Outcome, RunReport, ScenarioResult } from '../../spec/index.js'
import { xmllint } from './xmllint.js'
import { buildCompliance, cellVersion, complianceMode, createDefaultReporterRegistry, defaultComplianceInput, renderComplianceBadge, renderComplianceMarkdown, type ComplianceView } from '../index.js'

const input = defaultComplianceInput()
const work = mkdtempSync(join(tmpdir(), 'compliance-test-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

function result(id: string, status: Outcome, requirements: string[], matrix?: Record<string, string | number>): ScenarioResult {
  const file = `scenarios/${id.replace(/\[.*$/, '')}.yaml`
  return { id, title: id, file, location: { file, line: 1, col: 1 }, status, requirements, durationMs: 1, failures: [], steps: [], ...(matrix ? { matrix } : {}) }
}

function report(profile: string, scenarios: ScenarioResult[]): RunReport {
  return {
    schemaVersion: 1 as RunReport['schemaVersion'], tool: { name: 'mqtt-harness', version: '0' }, startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:00:01.000Z', durationMs: 1000,
    target: { kind: 'bundled', name: 'bundled', profile, urls: {}, readings: {} },
    summary: { total: scenarios.length, passed: 0, failed: 0, errored: 0, skipped: 0, waived: 0, flaky: 0 },
    scenarios, requirements: [],
  }
}

const row = (view: ComplianceView, key: string, id: string) => view.catalogues.find((c) => c.key === key)!.sections.flatMap((s) => s.rows).find((r) => r.id === id)!

const scenarios = [
  result('ping[version=3.1.1]', 'passed', ['MQTT311-3.12.4-1', 'MQTT5-3.12.4-1'], { version: '3.1.1' }),
  result('ping[version=5]', 'failed', ['MQTT311-3.12.4-1', 'MQTT5-3.12.4-1'], { version: 5 }),
  result('dup', 'passed', ['MQTT5-3.3.1-1', 'QOS-DUP-FLAG-UNSUPPORTED']),
  result('skipped-one', 'skipped', ['MQTT5-3.8.4-2']),
  result('double[level=4]', 'passed', ['MQTT311-3.1.0-2', 'MQTT5-3.1.0-2'], { level: 4 }),
]

describe('buildCompliance', () => {
  it('counts a statement only in the matrix cells of its protocol version', () => {
    const view = buildCompliance(report('mqtt-5', scenarios), input)
    expect(row(view, 'mqtt-3.1.1', 'MQTT-3.12.4-1').status).toBe('passed')
    expect(row(view, 'mqtt-5', 'MQTT-3.12.4-1')).toMatchObject({ status: 'failed', scenarios: ['ping[version=5]'] })
    expect(row(view, 'mqtt-3.1.1', 'MQTT-3.1.0-2').status).toBe('passed')
    expect(row(view, 'mqtt-5', 'MQTT-3.1.0-2').status).toBe('untested')
    expect(cellVersion({ level: 5 })).toBe('5')
    expect(cellVersion({ qos: 1 })).toBeUndefined()
  })

  it('treats skipped cells as untested and client-side statements as not observable', () => {
    const view = buildCompliance(report('mqtt-5', scenarios), input)
    expect(row(view, 'mqtt-5', 'MQTT-3.8.4-2').status).toBe('untested')
    expect(row(view, 'mqtt-5', 'MQTT-2.2.1-3').status).toBe('not-observable')
  })

  it('checks statements as written under a plain-MQTT profile, without the AWS catalogue', () => {
    const view = buildCompliance(report('mqtt-5', scenarios), input)
    expect(view.mode).toBe('standard')
    expect(row(view, 'mqtt-5', 'MQTT-3.3.1-1').status).toBe('passed')
    expect(view.catalogues.map((c) => c.key)).toEqual(['mqtt-3.1.1', 'mqtt-5'])
  })

  it('reports an AWS-overridden statement as overridden under aws-iot-core, with the behaviour\'s verdict, counted once', () => {
    const view = buildCompliance(report('aws-iot-core', scenarios), input)
    expect(view.mode).toBe('aws')
    const dup = row(view, 'mqtt-5', 'MQTT-3.3.1-1')
    expect(dup.status).toBe('overridden')
    expect(dup.note).toMatch(/QOS-DUP-FLAG-UNSUPPORTED \(passed\)/)
    expect(row(view, 'aws-iot-core', 'QOS-DUP-FLAG-UNSUPPORTED').status).toBe('not-observable')
    const v5 = view.catalogues.find((c) => c.key === 'mqtt-5')!
    const total = Object.values(v5.counts.status).reduce((a, b) => a + b, 0)
    expect(total).toBe(251)
    expect(v5.counts.levels.MUST + v5.counts.levels.SHOULD + v5.counts.levels.MAY).toBe(251)
  })

  it('recognises the aws-iot-core profile by name or file', () => {
    expect(complianceMode('aws-iot-core')).toBe('aws')
    expect(complianceMode('reference-broker/profiles/aws-iot-core.yaml')).toBe('aws')
    expect(complianceMode('mqtt-3.1.1')).toBe('standard')
  })
})

describe('rendering', () => {
  const view = buildCompliance(report('mqtt-5', scenarios), input)

  it('writes a page with a table per catalogue and section, and the statements\' verdicts', () => {
    const md = renderComplianceMarkdown(view)
    expect(md).toContain('| MQTT Version 5.0 | 251 |')
    expect(md).toMatch(/\| 3\.12 PINGREQ \| 1 \| 1 \| 0 \| 0 \| 1 \| 0 \| 1 \|/)
    expect(md).toContain('![MQTT Version 5.0')
    expect(md).toContain('compliance-mqtt-5-mqtt-5.svg')
  })

  it('draws a red badge when a statement failed, naming the counts', () => {
    const v5 = view.catalogues.find((c) => c.key === 'mqtt-5')!
    const svg = renderComplianceBadge(v5, 'mqtt-5')
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/)
    expect(svg).toContain('#e05d44')
    expect(svg).toContain('failed')
    expect(xmllint(svg).ok).toBe(true)
    const v311 = view.catalogues.find((c) => c.key === 'mqtt-3.1.1')!
    expect(renderComplianceBadge(v311, 'mqtt-5')).toContain('#dfb317')
  })

  it('is a registered reporter that writes the page and the badges', async () => {
    const reporter = createDefaultReporterRegistry().create('compliance', { outDir: work })
    await reporter.onRunEnd!(report('mqtt-3.1.1', scenarios))
    expect(readFileSync(join(work, 'compliance.md'), 'utf8')).toContain('profile `mqtt-3.1.1`')
    expect(readFileSync(join(work, 'compliance-mqtt-3.1.1-mqtt-5.svg'), 'utf8')).toContain('<svg')
  })
})
