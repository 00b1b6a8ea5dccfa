import { runDmSlice } from './run-dm-slice.js'
import { runPubsubSlice } from './run-pubsub-slice.js'
import type { ProgressSink, SliceInput, SliceOutput } from './slice-context.js'

/** Runs one slice of a load scenario, by its mode. */
export function runSlice(input: SliceInput, progress?: ProgressSink): Promise<SliceOutput> {
  return input.scenario.mode === 'pubsub' ? runPubsubSlice(input, progress) : runDmSlice(input, progress)
}
