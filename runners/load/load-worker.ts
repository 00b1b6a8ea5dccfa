// Worker-thread entry for `--workers N`: runs the slice it is given and posts
// progress every second and the slice's output at the end.
import { parentPort, workerData } from 'node:worker_threads'
import { runSlice } from './run-slice.js'
import type { SliceInput } from './slice-context.js'

const port = parentPort!
runSlice(workerData as SliceInput, (progress) => port.postMessage({ type: 'progress', progress })).then(
  (output) => port.postMessage({ type: 'done', output }),
  (err: Error & { code?: string }) => port.postMessage({ type: 'error', message: err.message, stack: err.stack, code: err.code }),
)
