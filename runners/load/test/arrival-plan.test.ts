import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { createArrivalPlan, planStages, plannedTotal, timeOfArrival } from '../arrival-plan.js'

const drain = (plan: { next(): number | null }) => {
  const out: number[] = []
  for (let t = plan.next(); t !== null; t = plan.next()) out.push(t)
  return out
}

describe('arrival plan', () => {
  it('constant arrivals are due at t0 + i/rate', () => {
    const stages = planStages([{ stage: 'steady', duration: 1000, rate: 100 }])
    const due = drain(createArrivalPlan(stages, { arrival: 'constant', seed: 1, slice: { index: 0, count: 1 } }))
    expect(due).toHaveLength(100)
    due.forEach((t, i) => expect(t).toBeCloseTo(i * 10, 9))
  })

  it('a linear ramp follows N(t) = ∫ rate (quadratic), and ramps start from the previous rate', () => {
    const stages = planStages([{ stage: 'ramp', duration: 10_000, rate: 100 }, { stage: 'ramp', duration: 10_000, rate: 0 }])
    expect(stages.map((s) => [s.from, s.to])).toEqual([[0, 100], [100, 0]])
    expect(plannedTotal(stages)).toBe(1000)
    // N(t) = 5 t² over the first ramp: the 500th arrival is due at 10 s, the 125th at 5 s.
    expect(timeOfArrival(stages, 125)).toBeCloseTo(5000, 6)
    expect(timeOfArrival(stages, 500)).toBeCloseTo(10_000, 6)
    expect(timeOfArrival(stages, 875)).toBeCloseTo(15_000, 6)
    const due = drain(createArrivalPlan(stages, { arrival: 'constant', seed: 1, slice: { index: 0, count: 1 } }))
    expect(due).toHaveLength(1000)
    expect(due.filter((t) => t < 5000)).toHaveLength(125)
  })

  it('slices interleave to exactly the whole plan (workers and shards add up)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 400 }), fc.integer({ min: 100, max: 3000 }), (n, rate, ms) => {
      const stages = planStages([{ stage: 'steady', duration: ms, rate }])
      const whole = drain(createArrivalPlan(stages, { arrival: 'constant', seed: 1, slice: { index: 0, count: 1 } }))
      const parts = Array.from({ length: n }, (_, i) => drain(createArrivalPlan(stages, { arrival: 'constant', seed: 1, slice: { index: i, count: n } })))
      expect(parts.flat().sort((a, b) => a - b)).toEqual(whole)
    }), { numRuns: 50 })
  })

  it('Poisson arrivals have the planned mean rate, exponential gaps, and a seed', () => {
    const stages = planStages([{ stage: 'steady', duration: 100_000, rate: 50 }])
    const plan = () => drain(createArrivalPlan(stages, { arrival: 'poisson', seed: 7, slice: { index: 0, count: 1 } }))
    const due = plan()
    expect(due.length).toBeGreaterThan(4700)
    expect(due.length).toBeLessThan(5300)
    const gaps = due.slice(1).map((t, i) => t - due[i]!)
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length
    const cv = Math.sqrt(gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / gaps.length) / mean
    expect(mean).toBeGreaterThan(18)
    expect(mean).toBeLessThan(22)
    expect(cv).toBeGreaterThan(0.9) // exponential gaps: coefficient of variation 1 (constant: 0)
    expect(plan()).toEqual(due)
  })

  it('duration scale shortens stages, not rates', () => {
    const stages = planStages([{ stage: 'steady', duration: 60_000, rate: 200 }], 0.1)
    expect(stages[0]).toMatchObject({ durationMs: 6000, from: 200, to: 200 })
    expect(plannedTotal(stages)).toBe(1200)
  })
})
