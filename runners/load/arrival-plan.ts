import type { LoadStage } from '../../spec/index.js'

/** A stage resolved to numbers: rate goes linearly from `from` to `to` (per second) over `durationMs`. */
export interface PlannedStage {
  stage: string
  startMs: number
  durationMs: number
  from: number
  to: number
  /** Arrivals before this stage (the cumulative count at its start). */
  before: number
}

/** Which part of the whole run this process plays: `index` of `count` (0-based). */
export interface Slice {
  index: number
  count: number
}

/** Resolves stages: ramps start at the previous stage's rate unless they name `from`; durations scale by `scale`. */
export function planStages(stages: readonly LoadStage[], scale = 1): PlannedStage[] {
  const out: PlannedStage[] = []
  let t = 0
  let before = 0
  let prev = 0
  for (const s of stages) {
    const durationMs = s.duration * scale
    const from = s.stage === 'ramp' ? (s.from ?? prev) : s.rate
    out.push({ stage: s.stage, startMs: t, durationMs, from, to: s.rate, before })
    before += ((from + s.rate) / 2) * (durationMs / 1000)
    t += durationMs
    prev = s.rate
  }
  return out
}

/** Total arrivals the stages plan (the cumulative count at the end), for the whole run. */
export function plannedTotal(stages: readonly PlannedStage[]): number {
  const last = stages[stages.length - 1]
  return last ? last.before + ((last.from + last.to) / 2) * (last.durationMs / 1000) : 0
}

/**
 * The time (ms from the start) at which the cumulative arrival count reaches
 * `n`, inverting N(t) = ∫ rate: within a stage N is quadratic in time, so the
 * inverse is closed-form. Null past the end of the plan.
 */
export function timeOfArrival(stages: readonly PlannedStage[], n: number): number | null {
  for (const s of stages) {
    const inStage = ((s.from + s.to) / 2) * (s.durationMs / 1000)
    if (n >= s.before + inStage) continue
    const k = n - s.before
    const a = (s.to - s.from) / (2 * (s.durationMs / 1000)) // rate slope / 2, per s²
    const b = s.from
    // τ = 2k / (b + sqrt(b² + 4ak)): the stable root of aτ² + bτ - k = 0, also right when a = 0.
    const disc = Math.max(0, b * b + 4 * a * k)
    const tau = k === 0 ? 0 : (2 * k) / (b + Math.sqrt(disc))
    return s.startMs + Math.min(tau * 1000, s.durationMs)
  }
  return null
}

/** A deterministic PRNG (mulberry32): the same seed plans the same Poisson gaps. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A source of due times (ms from the run's start), in order; null when the plan is over. */
export interface ArrivalPlan {
  next(): number | null
  /** The whole plan's duration in ms. */
  durationMs: number
}

/**
 * Due times for one slice of the run. Constant arrivals: the k-th arrival of
 * the whole run is due when N(t) = k, and slice i takes k ≡ i (mod count), so
 * slices together make exactly the planned rate. Poisson arrivals: unit-rate
 * exponential gaps in "count space" mapped through N⁻¹ (time rescaling), which
 * is a non-homogeneous Poisson process with the stages' rate; each slice draws
 * its own process at rate/count (superposed Poisson processes add up).
 */
export function createArrivalPlan(stages: readonly PlannedStage[], opts: { arrival: 'constant' | 'poisson'; seed: number; slice: Slice }): ArrivalPlan {
  const total = plannedTotal(stages)
  const last = stages[stages.length - 1]
  const durationMs = last ? last.startMs + last.durationMs : 0
  const { index, count } = opts.slice
  if (opts.arrival === 'constant') {
    let k = index
    return {
      durationMs,
      next() {
        if (k >= total - 1e-9) return null
        const t = timeOfArrival(stages, k)
        k += count
        return t
      },
    }
  }
  const rnd = seededRandom(opts.seed * 7919 + index * 104729 + 1)
  let u = 0
  return {
    durationMs,
    next() {
      u += -Math.log(1 - rnd()) * count
      return u >= total ? null : timeOfArrival(stages, u)
    },
  }
}

/** The highest rate any stage reaches (per second, whole run). */
export function peakRate(stages: readonly PlannedStage[]): number {
  return stages.reduce((m, s) => Math.max(m, s.from, s.to), 0)
}
