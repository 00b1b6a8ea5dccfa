import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { startReferenceBroker, type ReferenceBroker } from '../../../reference-broker/index.js'
import { runLoad } from '../run-load.js'
import { startQueueingServer, tempFiles } from './helpers.js'

// A backend with a fixed 50 ms service time and 2 workers: capacity 40 requests/s.
let broker: ReferenceBroker
beforeAll(async () => { broker = await startReferenceBroker({ wsPort: false, httpPort: false }) })
afterAll(async () => { await broker.close() })

async function drive(rate: number, durationMs: number) {
  const server = await startQueueingServer({ serviceMs: 50, workers: 2 })
  try {
    const dir = tempFiles({
      'target.yaml': `name: queueing\nmqtt: { url: "${broker.urls.mqtt}" }\nhttp: { url: "${server.url}" }\n`,
      'load.yaml': `id: queueing
title: open model against a 50 ms backend
devices: { count: 5, connectRate: 100/s }
stages: [{ stage: steady, duration: ${durationMs}ms, rate: ${rate}/s }]
directMessage: { confirmation: false }
http: { connections: 400, maxLag: 1s, clientTimeout: 20s }
drain: 0
`,
    })
    const { report } = await runLoad({ scenarioFile: join(dir, 'load.yaml'), target: join(dir, 'target.yaml') })
    expect(server.stats().maxBusy).toBe(2)
    return report
  } finally {
    await server.close()
  }
}

describe('open-model scheduler against a backend with a fixed 50 ms service time', () => {
  it('at 5x capacity the p50 measured from due times grows with the queue (seconds, not 50 ms)', async () => {
    const r = await drive(200, 1500)
    const dm = r.dm!
    expect(dm.planned).toBe(300)
    expect(dm.buckets['200']).toBe(300)
    expect(dm.buckets.notSent).toBe(0)
    // Request k waits for the k/2 requests before it: latency ≈ 20 k + 50 ms, median ≈ 3 s, last ≈ 6 s.
    expect(dm.latency.response.p50).toBeGreaterThan(2000)
    expect(dm.latency.response.p50).toBeLessThan(4500)
    expect(dm.latency.response.max).toBeGreaterThan(4500)
    // The generator kept to its plan: every request left on time.
    expect(dm.latency.lag.p99).toBeLessThan(250)
    expect(r.books.balanced).toBe(true)
  })

  it('at half capacity the p50 reads about the 50 ms service time', async () => {
    const r = await drive(20, 3000)
    const dm = r.dm!
    expect(dm.planned).toBe(60)
    expect(dm.buckets['200']).toBe(60)
    expect(dm.latency.response.p50).toBeGreaterThanOrEqual(49)
    expect(dm.latency.response.p50).toBeLessThan(80)
    expect(r.books.balanced).toBe(true)
  })
})
