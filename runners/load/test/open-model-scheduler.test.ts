import { describe, expect, it } from 'vitest'
import { createArrivalPlan, planStages } from '../arrival-plan.js'
import { createOpenModelScheduler, type SkipReason } from '../open-model-scheduler.js'

const plan = (rate: number, ms: number) => createArrivalPlan(planStages([{ stage: 'steady', duration: ms, rate }]), { arrival: 'constant', seed: 1, slice: { index: 0, count: 1 } })

describe('open-model scheduler', () => {
  it('fires each request at its due time and reports its own lag', async () => {
    const fired: { seq: number; due: number; lag: number }[] = []
    const s = createOpenModelScheduler({ plan: plan(200, 500), maxLagMs: 1000 }, {
      hasCapacity: () => true,
      fire: (seq, due, lag) => fired.push({ seq, due, lag }),
      skip: () => { throw new Error('nothing should be skipped') },
    })
    const { planned, startedAt } = await s.run()
    expect(planned).toBe(100)
    expect(fired.map((f) => f.seq)).toEqual([...Array(100).keys()])
    fired.forEach((f, i) => expect(f.due - startedAt).toBeCloseTo(i * 5, 6))
    expect(Math.min(...fired.map((f) => f.lag))).toBeGreaterThanOrEqual(0)
  })

  it('never sends late silently: no free connection within maxLag → skipped as saturated', async () => {
    const skipped: SkipReason[] = []
    let fired = 0
    let capacity = 2
    const s = createOpenModelScheduler({ plan: plan(100, 300), maxLagMs: 50 }, {
      hasCapacity: () => capacity > 0,
      fire: () => { fired++; capacity-- },
      skip: (_s, _d, why) => skipped.push(why),
    })
    const { planned } = await s.run()
    expect(planned).toBe(30)
    expect(fired).toBe(2)
    expect(skipped).toHaveLength(28)
    expect(new Set(skipped)).toEqual(new Set(['saturated']))
  })

  it('a freed connection lets the oldest waiting request go, with the wait counted as lag', async () => {
    const lags: number[] = []
    let inFlight = 0
    const s = createOpenModelScheduler({ plan: plan(100, 200), maxLagMs: 5000 }, {
      hasCapacity: () => inFlight < 1,
      fire: (_seq, _due, lag) => { lags.push(lag); inFlight++; setTimeout(() => { inFlight--; s.release() }, 30) },
      skip: () => { throw new Error('nothing should be skipped') },
    })
    await s.run()
    expect(lags).toHaveLength(20)
    // One at a time, 30 ms each, one due every 10 ms: the waits grow by about 20 ms a request.
    expect(lags[19]!).toBeGreaterThan(300)
  })

  it('a generator that fell behind by more than maxLag skips, counted as behind', async () => {
    const skipped: SkipReason[] = []
    let fired = 0
    const s = createOpenModelScheduler({ plan: plan(1000, 200), maxLagMs: 20 }, {
      hasCapacity: () => true,
      fire: (seq) => {
        fired++
        if (seq === 0) { const until = performance.now() + 120; while (performance.now() < until) { /* a blocked event loop */ } }
      },
      skip: (_s, _d, why) => skipped.push(why),
    })
    await s.run()
    expect(fired + skipped.length).toBe(200)
    expect(skipped.length).toBeGreaterThan(50)
    expect(new Set(skipped)).toEqual(new Set(['behind']))
  })
})
