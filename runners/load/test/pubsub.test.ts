import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { runLoad } from '../run-load.js'
import { StreamTracker } from '../pubsub-streams.js'
import { tempFiles } from './helpers.js'

const scenario = (pubsub: string, rate: number) => `id: pubsub
title: pub/sub load
devices: { protocol: 5, connectRate: 100/s }
stages: [{ stage: steady, duration: 2s, rate: ${rate}/s }]
pubsub: ${pubsub}
drain: 2s
thresholds: ["lost == 0", "duplicates == 0", "p(99, pubsub) < 1s"]
`

describe('MQTT pub/sub load', () => {
  // 90/s in all: each subscriber receives every message, within the bundled broker's 100 publishes/s
  // per connection, which counts deliveries too [LIM-PUB-RATE-100].
  it('fan-in at QoS 1: every publish reaches every subscriber once, in order, latency from the due time', async () => {
    const dir = tempFiles({ 'load.yaml': scenario('{ publishers: 4, subscribers: 2, qos: 1, pattern: fan-in }', 90) })
    const { report: r, exitCode } = await runLoad({ scenarioFile: join(dir, 'load.yaml') })
    const p = r.pubsub!
    expect(p).toMatchObject({ publishers: 4, subscribers: 2, planned: 180, sent: 180, notSent: 0, publishErrors: 0, expected: 360, received: 360, lost: 0, duplicates: 0, reordered: 0, orphans: 0 })
    expect(p.latency.pubsub.count).toBe(360)
    expect(r.fleet.connected).toBe(6)
    expect(r.books.balanced).toBe(true)
    expect(exitCode).toBe(0)
  })

  it('pairs at QoS 0: subscriber k hears only publisher k', async () => {
    const dir = tempFiles({ 'load.yaml': scenario('{ publishers: 3, subscribers: 3, qos: 0, pattern: pairs }', 90) })
    const { report: r } = await runLoad({ scenarioFile: join(dir, 'load.yaml') })
    expect(r.pubsub).toMatchObject({ planned: 180, sent: 180, expected: 180, received: 180, lost: 0, orphans: 0 })
  })
})

describe('sequence tracking', () => {
  it('tells loss, duplicates and reordering apart per (subscriber, publisher) stream', () => {
    const t = new StreamTracker(2)
    for (const q of [0, 1, 3, 2, 2, 5]) t.record(0, 0, q)
    for (const q of [0, 1, 2]) t.record(0, 1, q)
    for (const q of [0, 0]) t.record(1, 0, q)
    expect({ received: t.received, duplicates: t.duplicates, reordered: t.reordered }).toEqual({ received: 11, duplicates: 2, reordered: 1 })
    expect([t.unique(0, 0), t.unique(0, 1), t.unique(1, 0), t.totalUnique()]).toEqual([5, 3, 1, 9])
  })
})
