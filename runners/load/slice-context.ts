import type { ClosedLoopResult, DmResult, FleetResult, LoadAbort, LoadScenario, PubsubResult, SeriesPoint } from '../../spec/index.js'
import type { Slice } from './arrival-plan.js'
import type { LoadEndpoints } from './load-endpoints.js'
import type { LoadProgress } from './load-progress.js'

/** Everything one slice (a worker thread, or the whole process) needs; plain data so it crosses into workers. */
export interface SliceInput {
  scenario: LoadScenario
  endpoints: LoadEndpoints
  /** This slice among all slices of the run (shards × workers), 0-based. */
  slice: Slice
  runId: string
  durationScale: number
  /** Epoch ms at which the first stage begins (--start-at or a barrier), after the fleet has connected; none: at once. */
  startAt?: number
}

/** What a slice hands back: its part of the load report, before merging. */
export interface SliceOutput {
  slice: Slice
  startedAt: string
  finishedAt: string
  fleet: FleetResult
  dm?: DmResult
  pubsub?: PubsubResult
  series: SeriesPoint[]
  closedLoop?: ClosedLoopResult
  /** When the first stage began (ISO). */
  scheduleStartedAt?: string
  /** The run was stopped early by an abortOnFail threshold (this slice's or another's). */
  aborted?: LoadAbort
  warnings: string[]
}

/** How a slice reports progress (every second) while it runs. */
export type ProgressSink = (p: LoadProgress) => void

/** The slice's share of a whole-run count: slice i of n gets [floor(i·N/n), floor((i+1)·N/n)). */
export function sliceRange(total: number, slice: Slice): { start: number; end: number } {
  return { start: Math.floor((slice.index * total) / slice.count), end: Math.floor(((slice.index + 1) * total) / slice.count) }
}
