import type { LoadAbort, ParsedThreshold } from '../../spec/index.js'
import type { Slice } from './arrival-plan.js'
import { createAbortCheck } from './abort-check.js'
import type { ThresholdMetrics } from '../../reports/index.js'
import type { SliceControl } from './slice-control.js'

export interface SliceWatchOptions {
  thresholds: readonly ParsedThreshold[]
  slice: Slice
  control: SliceControl | undefined
  /** Whether the plan is running (abortOnFail is judged only then). */
  running: () => boolean
  /** The slice's numbers so far, for the abortOnFail thresholds. */
  metrics: () => ThresholdMetrics
  /** Called once a second (live progress). */
  tick: () => void
}

/**
 * A running slice's once-a-second watch: progress, and its abortOnFail
 * thresholds while the plan runs [k6 thresholds]. A failing one ends the plan
 * and tells the other slices (SliceControl.fired); a stop from another slice
 * ends this plan too, whenever it comes.
 */
export class SliceWatch {
  aborted: LoadAbort | undefined
  private planT0 = 0
  private stopPlan: () => void = () => {}
  private readonly timer: NodeJS.Timeout

  constructor(opts: SliceWatchOptions) {
    const check = createAbortCheck(opts.thresholds, opts.slice)
    opts.control?.onStop((a) => this.stop(a))
    this.timer = setInterval(() => {
      if (check.active && !this.aborted && opts.running()) {
        const a = check.check(performance.now() - this.planT0, opts.metrics)
        if (a) {
          this.stop(a)
          opts.control?.fired(a)
        }
      }
      opts.tick()
    }, 1000)
  }

  /** The plan starts now and `stop` ends it (at once if a stop came earlier); returns its start time. */
  planStarts(stop: () => void): number {
    this.stopPlan = stop
    if (this.aborted) stop()
    this.planT0 = performance.now()
    return this.planT0
  }

  close(): void {
    clearInterval(this.timer)
  }

  private stop(a: LoadAbort): void {
    if (this.aborted) return
    this.aborted = a
    this.stopPlan()
  }
}
