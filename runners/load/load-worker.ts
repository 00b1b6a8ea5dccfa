// Worker-thread entry for `--workers N`: runs the slice it is given and posts
// progress every second, an abort its abortOnFail threshold fired, and the
// slice's output at the end; a `stop` message ends its plan early.
import { parentPort, workerData } from 'node:worker_threads'
import type { LoadAbort } from '../../spec/index.js'
import { runSlice } from './run-slice.js'
import type { SliceInput } from './slice-context.js'
import { SliceControl } from './slice-control.js'

const port = parentPort!
const control = new SliceControl((abort) => port.postMessage({ type: 'aborted', abort }))
port.on('message', (m: { type: 'stop'; abort: LoadAbort }) => { if (m.type === 'stop') control.stop(m.abort) })
runSlice(workerData as SliceInput, (progress) => port.postMessage({ type: 'progress', progress }), control).then(
  (output) => port.postMessage({ type: 'done', output }),
  (err: Error & { code?: string }) => port.postMessage({ type: 'error', message: err.message, stack: err.stack, code: err.code }),
)
