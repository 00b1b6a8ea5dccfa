import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { behaviourFor } from '../device-fleet.js'
import { runLoad } from '../run-load.js'
import { tempFiles } from './helpers.js'

describe('device behaviours', () => {
  it('shares are spread evenly over device indices (any slice or stride sees each behaviour)', () => {
    const bs = [{ share: 0.1, puback: 'never' as const }, { share: 0.25, puback: { delay: 200 } }]
    const count = (from: number, to: number, step = 1) => {
      const c = [0, 0, 0]
      for (let i = from; i < to; i += step) { const b = behaviourFor(i, bs); c[b === bs[0] ? 0 : b === bs[1] ? 1 : 2]!++ }
      return c
    }
    for (const [from, to, step] of [[0, 10_000, 1], [5000, 7000, 1], [1, 10_000, 7]] as const) {
      const c = count(from, to, step)
      const n = c[0]! + c[1]! + c[2]!
      expect(Math.abs(c[0]! / n - 0.1)).toBeLessThan(0.01)
      expect(Math.abs(c[1]! / n - 0.25)).toBeLessThan(0.01)
    }
  })

  it('delayed PUBACKs show in due→response but not in PUBACK→200; planned disconnects reconnect', async () => {
    const dir = tempFiles({ 'load.yaml': `id: behaviours
title: delayed acks and reconnecting devices
devices:
  count: 40
  connectRate: 400/s
  behaviours:
    - { share: 0.5, puback: { delay: 300ms } }
    - { share: 0.25, disconnectAfter: 1s, reconnect: { after: 1200ms } }
stages: [{ stage: steady, duration: 3s, rate: 40/s }]
directMessage: { confirmation: true, timeout: 5 }
` })
    const { report: r } = await runLoad({ scenarioFile: join(dir, 'load.yaml') })
    const dm = r.dm!
    expect(dm.planned).toBe(120)
    // About half the requests wait for a 300 ms PUBACK; the device's PUBACK → 200 stays short.
    expect(dm.latency.byBucket['200']!.p90).toBeGreaterThanOrEqual(300)
    expect(dm.latency.byBucket['200']!.p50).toBeLessThan(400)
    expect(dm.latency.ack.p99).toBeLessThan(100)
    // 10 devices disconnect 1 s after each connect and come back 1.2 s later; requests meanwhile are 404.
    expect(r.fleet.plannedDisconnects).toBeGreaterThanOrEqual(10)
    expect(r.fleet.reconnects).toBeGreaterThanOrEqual(10)
    expect(r.fleet.reconnects).toBeLessThanOrEqual(r.fleet.plannedDisconnects)
    expect(r.fleet.disconnects).toBe(0)
    expect(dm.buckets['404']).toBeGreaterThan(0)
    expect(dm.buckets['200'] + dm.buckets['404']).toBe(120)
    expect(r.books.balanced).toBe(true)
  })
})
