import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { readLoadScenarioFile } from '../../../spec/index.js'
import { seededRandom } from '../arrival-plan.js'
import { behaviourFor } from '../device-fleet.js'
import { runLoad } from '../run-load.js'
import { createTargetSelector } from '../target-selector.js'
import { tempFiles } from './helpers.js'

const scenario = (extra: string) => `id: dm-bundled
title: direct messages to 2,000 devices on the bundled broker
seed: 3
devices:
  count: 2000
  connectRate: 1000/s
${extra}
stages: [{ stage: steady, duration: 5s, rate: 100/s }]
directMessage: { confirmation: true, timeout: 1 }
http: { connections: 64 }
`

describe('direct-message load against the bundled broker', () => {
  it('2,000 devices at a planned rate: the books balance exactly', async () => {
    const dir = tempFiles({ 'load.yaml': scenario('') + 'thresholds: ["delivered == accepted", "notSent == 0", "rate(200) == 1"]\n' })
    const { report: r, exitCode } = await runLoad({ scenarioFile: join(dir, 'load.yaml') })
    expect(r.fleet).toMatchObject({ devices: 2000, connected: 2000, connectFailures: 0, disconnects: 0 })
    expect(r.fleet.connack.count).toBe(2000)
    const dm = r.dm!
    expect(dm.planned).toBe(500)
    expect(dm.sent).toBe(500)
    expect(dm.buckets['200']).toBe(500)
    expect(dm.receipts).toEqual({ received: 500, delivered: 500, duplicates: 0, orphans: 0, misrouted: 0, unconfirmed: 0, undelivered: 0 })
    expect(dm.pending).toBe(0)
    expect(dm.latency.receipt.count).toBe(500)
    expect(dm.latency.ack.count).toBe(500)
    expect(r.books).toEqual({ balanced: true, problems: [] })
    expect(r.thresholds.every((t) => t.passed)).toBe(true)
    expect(exitCode).toBe(0)
    // Per-second series add up to the totals.
    expect(r.series.reduce((s, p) => s + p.planned, 0)).toBe(500)
    expect(r.series.reduce((s, p) => s + (p.outcomes['200'] ?? 0), 0)).toBe(500)
  })

  it('10% of devices withholding PUBACK: exactly their requests come back 504 at the timeout', async () => {
    const dir = tempFiles({ 'load.yaml': scenario('  behaviours: [{ share: 0.1, puback: never }]') })
    const file = join(dir, 'load.yaml')
    const { report: r } = await runLoad({ scenarioFile: file })
    const dm = r.dm!
    expect(dm.planned).toBe(500)
    expect(dm.buckets.notSent).toBe(0)
    // Replay the seeded target choice: which requests went to a device that never acknowledges.
    const sc = (await readLoadScenarioFile(file)).scenario!
    const pick = createTargetSelector(sc.targets, 2000, seededRandom(sc.seed * 31))
    let silent = 0
    for (let i = 0; i < 500; i++) if (behaviourFor(pick(), sc.devices.behaviours)?.puback === 'never') silent++
    expect(silent).toBeGreaterThan(25)
    expect(dm.buckets['504']).toBe(silent)
    expect(dm.buckets['200']).toBe(500 - silent)
    const h504 = dm.latency.byBucket['504']!
    expect(h504.min).toBeGreaterThanOrEqual(1000 * 0.999) // HDR keeps 3 significant digits
    expect(h504.p99).toBeLessThan(1500)
    // The devices did receive the 504'd messages; only the 200s count as delivered.
    expect(dm.receipts).toMatchObject({ received: 500, delivered: 500 - silent, unconfirmed: 0, orphans: 0, duplicates: 0 })
    expect(r.books.balanced).toBe(true)
  })
})
