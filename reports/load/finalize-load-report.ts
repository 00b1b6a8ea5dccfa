import { parseThreshold, type LoadReport, type SourceLocation, type Threshold } from '../../spec/index.js'
import { checkBooks } from './check-books.js'
import { evaluateThresholds } from './evaluate-thresholds.js'

/** A threshold to evaluate, with where the scenario wrote it. */
export interface LocatedThreshold {
  threshold: Threshold
  location?: SourceLocation
}

/** Re-checks the books, re-evaluates the thresholds and sets the verdict (after a run or a merge). */
export function finalizeLoadReport(r: LoadReport, thresholds: readonly LocatedThreshold[] = thresholdsOfReport(r)): LoadReport {
  const books = checkBooks(r)
  const results = evaluateThresholds(r, thresholds)
  // A run an abortOnFail threshold stopped early failed its thresholds, whatever the shortened run's numbers say at the end.
  const verdict: LoadReport['verdict'] = !books.balanced ? 'books-unbalanced' : results.every((t) => t.passed) && !r.aborted ? 'passed' : 'thresholds-failed'
  return { ...r, books, thresholds: results, verdict }
}

/** The thresholds a report carries, parsed again (merging shards re-evaluates them on the sum). */
function thresholdsOfReport(r: LoadReport): LocatedThreshold[] {
  // abortOnFail plays no part after the run: a merge re-evaluates every threshold on the sum.
  return r.scenario.thresholds.flatMap((t) => {
    const p = parseThreshold(t.expression, r.scenario.mode)
    return 'threshold' in p ? [{ threshold: p.threshold, ...(t.location ? { location: t.location } : {}) }] : []
  })
}
