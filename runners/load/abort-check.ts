import type { LoadAbort, ParsedThreshold } from '../../spec/index.js'
import type { Slice } from './arrival-plan.js'
import { evaluateThresholds, type ThresholdMetrics } from '../../reports/index.js'

/**
 * The live side of abortOnFail thresholds: every second while the plan runs,
 * the slice's numbers so far are checked against each abortOnFail threshold
 * whose delayAbortEval has passed; the first that fails says why the run
 * stops. A slice checks its own numbers (its share of the rate), as each k6
 * instance of a distributed run does.
 */
export function createAbortCheck(thresholds: readonly ParsedThreshold[], slice: Slice) {
  const armed = thresholds.filter((t) => t.abort)
  return {
    /** Whether there is anything to check (no abortOnFail threshold: no per-second evaluation cost). */
    active: armed.length > 0,
    /** Checks the thresholds due at `elapsedMs` from the first stage's start; the abort when one fails. */
    check(elapsedMs: number, metrics: () => ThresholdMetrics): LoadAbort | undefined {
      const due = armed.filter((t) => elapsedMs >= t.abort!.delayMs)
      if (due.length === 0) return undefined
      const results = evaluateThresholds(metrics(), due)
      const i = results.findIndex((r) => !r.passed)
      if (i < 0) return undefined
      return { threshold: due[i]!.threshold.source, actual: results[i]!.actual, atMs: Math.round(elapsedMs), at: new Date().toISOString(), slice: { index: slice.index, count: slice.count } }
    },
  }
}
