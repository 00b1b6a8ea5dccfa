import { describe, expect, it } from 'vitest'
import type { RunReport } from '../../spec/index.js'
import { diffReports, hasRegressions } from '../diff.js'
import { renderDiffMarkdown, renderDiffText } from '../render-diff.js'
import { sampleReport, withScenarios } from './fixtures.js'

function changed(base: RunReport): RunReport {
  const current = withScenarios(base, (s) => s.id !== 'payload-limit-128k', { startedAt: '2025-03-02T10:00:00.000Z' })
  current.scenarios = current.scenarios.map((s) => {
    if (s.id === 'client-id-takeover') return { ...s, status: 'failed', failures: [{ message: 'old connection not closed' }] }
    if (s.id === 'alias-out-of-range[version=5]') return { ...s, status: 'passed', failures: [] }
    if (s.id === 'retained-empty-deletes') return { ...s, status: 'skipped', reason: 'no retained capability' }
    return s
  })
  current.scenarios.push({ ...base.scenarios[0]!, id: 'will-on-takeover', title: 'Will on takeover', file: 'scenarios/will-on-takeover.yaml', requirements: ['LWT-ON-TAKEOVER'] })
  return withScenarios(current, () => true)
}

describe('diffReports', () => {
  it('lists regressions, fixes, other changes, new and removed scenarios, requirement changes', () => {
    const base = sampleReport()
    const diff = diffReports(base, changed(base))
    expect(diff.regressions).toEqual([{ id: 'client-id-takeover', title: 'A second CONNECT with the same client id takes over', file: 'scenarios/client-id-takeover.yaml', from: 'passed', to: 'failed' }])
    expect(diff.fixes.map((c) => [c.id, c.from, c.to])).toEqual([['alias-out-of-range[version=5]', 'failed', 'passed']])
    expect(diff.otherChanges.map((c) => [c.id, c.from, c.to])).toEqual([['retained-empty-deletes', 'passed', 'skipped']])
    expect(diff.added.map((s) => [s.id, s.status])).toEqual([['will-on-takeover', 'passed']])
    expect(diff.removed.map((s) => [s.id, s.status])).toEqual([['payload-limit-128k', 'passed']])
    expect(diff.requirementChanges).toEqual(expect.arrayContaining([
      { id: 'CLIENTID-TAKEOVER', from: 'passed', to: 'failed', direction: 'worse' },
      { id: 'ALIAS-OUT-OF-RANGE-0x94', from: 'failed', to: 'passed', direction: 'better' },
      { id: 'RET-EMPTY-DELETES', from: 'passed', to: 'skipped', direction: 'worse' },
      { id: 'LWT-ON-TAKEOVER', from: 'untested', to: 'passed', direction: 'changed' },
      { id: 'PAYLOAD-128K', from: 'passed', to: 'absent', direction: 'changed' },
    ]))
    expect(diff.requirementChanges).toHaveLength(6) // ALIAS-MAX-8 follows its scenario too
    expect(hasRegressions(diff)).toBe(true)
  })

  it('finds nothing between a report and itself', () => {
    const diff = diffReports(sampleReport(), sampleReport())
    expect([diff.regressions, diff.fixes, diff.otherChanges, diff.added, diff.removed, diff.requirementChanges].every((l) => l.length === 0)).toBe(true)
    expect(hasRegressions(diff)).toBe(false)
    expect(renderDiffText(diff)).toMatch(/No regressions\.\n$/)
    expect(renderDiffMarkdown(diff)).toContain('## ✅ No regressions against the baseline')
  })

  it('renders text and markdown', () => {
    const base = sampleReport()
    const diff = diffReports(base, changed(base))
    const text = renderDiffText(diff)
    expect(text).toContain('baseline (2025-03-01T10:00:00.000Z): 10 scenarios: 6 passed, 1 failed, 1 errored, 1 skipped, 1 waived')
    expect(text).toContain('Regressions (1):\n  client-id-takeover  passed → failed  (scenarios/client-id-takeover.yaml)')
    expect(text).toContain('Fixes (1):\n  alias-out-of-range[version=5]  failed → passed')
    expect(text).toContain('New scenarios (1):\n  will-on-takeover  passed')
    expect(text).toContain('Removed scenarios (1):\n  payload-limit-128k  passed')
    expect(text).toContain('  CLIENTID-TAKEOVER  passed → failed (worse)')
    expect(text).toMatch(/1 regression\.\n$/)
    const md = renderDiffMarkdown(diff)
    expect(md).toContain('## ❌ 1 regression against the baseline')
    expect(md).toContain('| `client-id-takeover` | passed → failed | `scenarios/client-id-takeover.yaml` | A second CONNECT with the same client id takes over |')
    expect(md).toContain('| `CLIENTID-TAKEOVER` | passed → failed | 🔻 worse |')
  })
})
