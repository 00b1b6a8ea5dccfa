import { Worker } from 'node:worker_threads'
import { HarnessError } from '../errors.js'
import { addProgress, type LoadProgress } from './load-progress.js'
import { isErrorCode, type LoadAbort } from '../../spec/index.js'
import { runSlice } from './run-slice.js'
import type { SliceInput, SliceOutput } from './slice-context.js'
import { SliceControl } from './slice-control.js'

type WorkerMessage =
  | { type: 'progress'; progress: LoadProgress }
  | { type: 'aborted'; abort: LoadAbort }
  | { type: 'done'; output: SliceOutput }
  | { type: 'error'; message: string; stack?: string; code?: string }

/**
 * A worker thread running one slice. Run from the TypeScript sources (tests,
 * `npx tsx bench/...`), the worker registers tsx's loader in its own thread
 * first: loader hooks are per thread and `--import` in a worker's execArgv is
 * not honoured.
 */
function createWorker(input: SliceInput): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./load-worker.js', import.meta.url), { workerData: input })
  const entry = JSON.stringify(new URL('./load-worker.ts', import.meta.url).href)
  return new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${entry}) })`, { eval: true, workerData: input })
}

function startWorker(input: SliceInput, onProgress: (p: LoadProgress) => void, onFired: (a: LoadAbort) => void, started: Worker[]): Promise<SliceOutput> {
  const worker = createWorker(input)
  started.push(worker)
  return new Promise((resolve, reject) => {
    let settled = false
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'progress') onProgress(m.progress)
      else if (m.type === 'aborted') onFired(m.abort)
      else if (m.type === 'done') { settled = true; resolve(m.output); void worker.terminate() }
      else {
        settled = true
        // A user's error (HX_...) keeps its code across the thread, so the CLI exits with the right code.
        reject(m.code !== undefined && isErrorCode(m.code) ? new HarnessError(m.code, m.message) : Object.assign(new Error(m.message), { stack: m.stack }))
        void worker.terminate()
      }
    })
    worker.on('error', (err) => { if (!settled) { settled = true; reject(err) } })
    worker.on('exit', (code) => { if (!settled) { settled = true; reject(new Error(`load worker for slice ${input.slice.index + 1} exited with code ${code}`)) } })
  })
}

export interface RunSlicesOptions {
  onProgress?: (p: LoadProgress) => void
  /** A slice's abortOnFail threshold fired (the other slices are already being stopped). */
  onAborted?: (a: LoadAbort) => void
}

/** Running slices: their outputs, and a way to stop them all early (another shard's abort). */
export interface RunningSlices {
  outputs: Promise<SliceOutput[]>
  stop(a: LoadAbort): void
}

/**
 * Runs this process's slices: in process when there is one, else one worker
 * thread each (a slice of the fleet and of the rate per core). Progress of
 * all slices is added up for the caller every time one reports. When one
 * slice's abortOnFail threshold fires, every other slice is stopped too.
 */
export function runSlices(inputs: readonly SliceInput[], opts: RunSlicesOptions = {}): RunningSlices {
  const latest: LoadProgress[] = []
  const report = (i: number) => (p: LoadProgress) => { latest[i] = p; opts.onProgress?.(addProgress(latest.filter(Boolean))) }
  if (inputs.length === 1) {
    const control = new SliceControl((a) => opts.onAborted?.(a))
    return { outputs: runSlice(inputs[0]!, report(0), control).then((o) => [o]), stop: (a) => control.stop(a) }
  }
  const workers: Worker[] = []
  let stopped = false
  const stop = (a: LoadAbort) => {
    if (stopped) return
    stopped = true
    for (const w of workers) w.postMessage({ type: 'stop', abort: a })
  }
  const fired = (a: LoadAbort) => { if (!stopped) { stop(a); opts.onAborted?.(a) } }
  return { outputs: startAll(inputs, report, fired, workers), stop }
}

async function startAll(inputs: readonly SliceInput[], report: (i: number) => (p: LoadProgress) => void, fired: (a: LoadAbort) => void, workers: Worker[]): Promise<SliceOutput[]> {
  try {
    return await Promise.all(inputs.map((input, i) => startWorker(input, report(i), fired, workers)))
  } catch (err) {
    // One slice failed: the others' results cannot make a whole run, so stop them.
    await Promise.all(workers.map((w) => w.terminate()))
    throw err
  }
}
