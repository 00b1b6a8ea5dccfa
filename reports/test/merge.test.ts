import { describe, expect, it } from 'vitest'
import { runReportSchema, type RunReport } from '../../spec/index.js'
import { ReportMergeConflictError, ReportVersionError } from '../errors.js'
import { mergeReports } from '../merge.js'
import { sampleReport, withScenarios } from './fixtures.js'

/** The sample split in two shards, the way `run --shard i/2` would write them. */
function shards(): [RunReport, RunReport] {
  const all = sampleReport()
  const ids = all.scenarios.map((s) => s.id)
  const first = new Set(ids.slice(0, 5))
  return [
    withScenarios(all, (s) => first.has(s.id), { shard: { index: 1, total: 2 }, startedAt: '2025-03-01T10:00:01.000Z', finishedAt: '2025-03-01T10:00:04.000Z', durationMs: 3000 }),
    withScenarios(all, (s) => !first.has(s.id), {
      shard: { index: 2, total: 2 }, startedAt: '2025-03-01T10:00:00.000Z', finishedAt: '2025-03-01T10:00:06.500Z', durationMs: 6500,
      target: { ...all.target, urls: { mqtt: 'mqtt://127.0.0.1:40999', http: 'http://127.0.0.1:40998' } },
    }),
  ]
}

describe('mergeReports', () => {
  it('concatenates scenarios and recomputes the summary and the requirement matrix', () => {
    const [a, b] = shards()
    const merged = mergeReports([a, b])
    expect(runReportSchema.parse(merged)).toEqual(merged)
    expect(merged.scenarios.map((s) => s.id)).toEqual(sampleReport().scenarios.map((s) => s.id))
    expect(merged.summary).toEqual({ total: 10, passed: 6, failed: 1, errored: 1, skipped: 1, waived: 1, flaky: 0 })
    expect(merged.requirements).toHaveLength(13)
    const status = Object.fromEntries(merged.requirements.map((r) => [r.id, r.status]))
    expect(status).toEqual({
      'LWT-ON-TAKEOVER': 'untested', 'SESSION-EXPIRY-1H': 'untested',
      'RET-EXACT-MATCH': 'passed', 'RET-EMPTY-DELETES': 'passed', 'ALIAS-OUT-OF-RANGE-0x94': 'failed', 'ALIAS-MAX-8': 'failed',
      'SESSION-REPLAY-RATE': 'passed', 'SESSION-PERSIST-QOS1': 'passed', 'DM-504-TIMEOUT': 'errored', 'SHARED-SUB': 'skipped',
      'QOS2-DISCONNECT-0x9B': 'waived', 'CLIENTID-TAKEOVER': 'passed', 'PAYLOAD-128K': 'passed',
    })
    expect(merged.requirements.find((r) => r.id === 'LWT-ON-TAKEOVER')?.reason).toBe('not observable on the wire without a second broker')
    expect(merged.requirements.find((r) => r.id === 'RET-EXACT-MATCH')?.scenarios).toEqual(['retained-exact-match[version=5]', 'retained-exact-match[version=3.1.1]'])
    // The merged run spans the earliest start to the latest finish; shard info is gone.
    expect(merged.startedAt).toBe('2025-03-01T10:00:00.000Z')
    expect(merged.finishedAt).toBe('2025-03-01T10:00:06.500Z')
    expect(merged.durationMs).toBe(6500)
    expect(merged.shard).toBeUndefined()
    expect(merged.target.urls).toEqual({ mqtt: 'mqtt://127.0.0.1:40123', http: 'http://127.0.0.1:40998' })
  })

  it('takes the worst outcome across shards for a requirement checked in both', () => {
    const base = sampleReport()
    const one = withScenarios(base, (s) => s.id === 'retained-exact-match[version=5]')
    const two = withScenarios(base, (s) => s.id === 'retained-exact-match[version=3.1.1]')
    two.scenarios = two.scenarios.map((s) => ({ ...s, status: 'failed', failures: [{ message: 'retained message delivered to a wildcard filter' }] }))
    const merged = mergeReports([one, two])
    expect(merged.requirements.find((r) => r.id === 'RET-EXACT-MATCH')).toMatchObject({ status: 'failed', scenarios: ['retained-exact-match[version=5]', 'retained-exact-match[version=3.1.1]'] })
    expect(merged.summary).toMatchObject({ total: 2, passed: 1, failed: 1 })
    // A requirement untested in one shard and passed in the other is passed, and loses the untested reason.
    const declared = withScenarios(base, (s) => s.id === 'client-id-takeover')
    const silent = { ...withScenarios(base, () => false), requirements: [{ id: 'CLIENTID-TAKEOVER', status: 'untested' as const, scenarios: [], reason: 'not in this shard' }] }
    expect(mergeReports([silent, declared]).requirements.find((r) => r.id === 'CLIENTID-TAKEOVER')).toEqual({ id: 'CLIENTID-TAKEOVER', status: 'passed', scenarios: ['client-id-takeover'] })
  })

  it('refuses mixed schema versions, naming the sources', () => {
    const [a, b] = shards()
    const future = { ...b, schemaVersion: 2 } as unknown as RunReport
    expect(() => mergeReports([a, future], { sources: ['shard-1/report.json', 'shard-2/report.json'] })).toThrow(ReportVersionError)
    expect(() => mergeReports([a, future], { sources: ['shard-1/report.json', 'shard-2/report.json'] })).toThrow(/different schema versions \(shard-1\/report\.json: 1, shard-2\/report\.json: 2\)/)
    try { mergeReports([a, future]) } catch (err) { expect((err as ReportVersionError).code).toBe('HX_REPORT_VERSION') }
  })

  it('refuses a scenario in two shards, other targets, disagreeing readings, and nothing at all', () => {
    const [a, b] = shards()
    expect(() => mergeReports([a, a], { sources: ['x.json', 'y.json'] })).toThrow(/scenario "retained-exact-match\[version=5\]" is in both x\.json and y\.json/)
    expect(() => mergeReports([a, { ...b, target: { ...b.target, profile: 'mqtt-5' } }])).toThrow(/target profile "mqtt-5" but report #1 against "aws-iot-core"/)
    expect(() => mergeReports([a, { ...b, target: { ...b.target, readings: { C13: 'close' } } }])).toThrow(/disagree on reading "C13"/)
    expect(() => mergeReports([])).toThrow(ReportMergeConflictError)
  })

  it('merging one report gives it back with the shard removed', () => {
    const report = sampleReport()
    const merged = mergeReports([{ ...report, shard: { index: 1, total: 1 } }])
    expect(merged).toEqual({ ...report })
  })
})
