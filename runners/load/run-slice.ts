import { runDmSlice } from './run-dm-slice.js'
import { runPubsubSlice } from './run-pubsub-slice.js'
import type { ProgressSink, SliceInput, SliceOutput } from './slice-context.js'
import type { SliceControl } from './slice-control.js'

/** Runs one slice of a load scenario, by its mode; `control` stops it early (abortOnFail). */
export function runSlice(input: SliceInput, progress?: ProgressSink, control?: SliceControl): Promise<SliceOutput> {
  return input.scenario.mode === 'pubsub' ? runPubsubSlice(input, progress, control) : runDmSlice(input, progress, control)
}
