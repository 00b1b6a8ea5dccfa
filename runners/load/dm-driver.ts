import { Pool } from 'undici'
import type { DmBucket } from '../../spec/index.js'
import type { DmLedger } from './dm-ledger.js'
import type { DmRequest } from './dm-request.js'
import type { SchedulerHooks } from './open-model-scheduler.js'

export interface DmDriverOptions {
  httpUrl: string
  /** Connections in the pool; also the most requests in flight (no pipelining). */
  connections: number
  clientTimeoutMs: number
  ca?: Buffer
  ledger: DmLedger
  /** The request for sequence number `seq` to local device `device`. */
  build(seq: number, device: number): DmRequest
  selectDevice(): number
}

/** How a response status maps to a bucket. */
export function bucketOfStatus(status: number): DmBucket {
  return status === 200 ? '200' : status === 504 ? '504' : status === 404 ? '404' : status === 429 ? '429' : 'otherStatus'
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ABORT_ERR'])

/**
 * Sends the scheduler's requests on an undici Pool with a fixed number of
 * connections. At most `connections` requests are in flight: a due request
 * that finds none free waits in the scheduler (and counts as lag, or notSent
 * past maxLag) instead of queueing invisibly inside the pool.
 */
export function createDmDriver(opts: DmDriverOptions) {
  const origin = new URL(opts.httpUrl).origin
  const pool = new Pool(origin, {
    connections: opts.connections,
    pipelining: 1,
    headersTimeout: opts.clientTimeoutMs,
    bodyTimeout: opts.clientTimeoutMs,
    keepAliveTimeout: 60_000,
    ...(opts.ca ? { connect: { ca: opts.ca } } : {}),
  })
  let inFlight = 0
  let release: () => void = () => {}
  let idle: (() => void)[] = []
  const { ledger } = opts

  const send = async (seq: number, due: number, device: number) => {
    const req = opts.build(seq, device)
    try {
      const res = await pool.request({ path: req.path, method: 'POST', headers: req.headers, body: req.body })
      const bucket = bucketOfStatus(res.statusCode)
      // Read the body before settling: the response is over when its last byte is in.
      const text = bucket === '200' ? (await res.body.dump(), '') : await res.body.text()
      ledger.settle(seq, bucket, performance.now(), due, { status: res.statusCode, ...(text ? { sample: `${res.statusCode} ${text}` } : {}) })
    } catch (err) {
      const e = err as NodeJS.ErrnoException
      const bucket: DmBucket = TIMEOUT_CODES.has(e.code ?? '') || e.name === 'TimeoutError' ? 'clientTimeout' : 'connectionError'
      ledger.settle(seq, bucket, performance.now(), due, { sample: `${e.code ?? e.name}: ${e.message}` })
    } finally {
      inFlight--
      release()
      if (inFlight === 0) { const waiting = idle; idle = []; for (const r of waiting) r() }
    }
  }

  const hooks: SchedulerHooks = {
    hasCapacity: () => inFlight < opts.connections,
    fire(seq, due, lag) {
      ledger.planned(seq, due)
      const device = opts.selectDevice()
      inFlight++
      ledger.sent(seq, device, performance.now(), lag)
      void send(seq, due, device)
    },
    skip(seq, due, reason) {
      ledger.planned(seq, due)
      ledger.notSent(seq, performance.now(), reason)
    },
  }
  return {
    hooks,
    /** Called when a slot frees (the scheduler's release). */
    onRelease(fn: () => void) { release = fn },
    get inFlight() { return inFlight },
    /** Waits for every request in flight (each ends by its client timeout at the latest). */
    async drain(): Promise<void> {
      if (inFlight > 0) await new Promise<void>((r) => idle.push(r))
    },
    close: () => pool.close(),
  }
}
