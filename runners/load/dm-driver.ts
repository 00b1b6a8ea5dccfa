import type { DmBucket } from '../../spec/index.js'
import type { DmLedger } from './dm-ledger.js'
import type { SchedulerHooks } from './open-model-scheduler.js'
import { LeanHttpPool, type LeanOutcome } from './lean-http-pool.js'

export interface DmDriverOptions {
  httpUrl: string
  /** Connections in the pool; also the most requests in flight (no pipelining). */
  connections: number
  clientTimeoutMs: number
  ca?: Buffer
  ledger: DmLedger
  /** The request for sequence number `seq` to local device `device`, as its HTTP/1.1 bytes (createDmWireFactory). */
  build(seq: number, device: number): Buffer
  selectDevice(): number
}

/** How a response status maps to a bucket. */
function bucketOfStatus(status: number): DmBucket {
  return status === 200 ? '200' : status === 504 ? '504' : status === 404 ? '404' : status === 429 ? '429' : 'otherStatus'
}

/**
 * Sends the scheduler's requests on a fixed set of keep-alive connections
 * (LeanHttpPool). At most `connections` requests are in flight: a due
 * request that finds none free waits in the scheduler (and counts as lag, or
 * notSent past maxLag) instead of queueing invisibly inside the pool.
 */
export function createDmDriver(opts: DmDriverOptions) {
  const pool = new LeanHttpPool({ origin: new URL(opts.httpUrl).origin, connections: opts.connections, timeoutMs: opts.clientTimeoutMs, ...(opts.ca ? { ca: opts.ca } : {}) })
  let inFlight = 0
  let release: () => void = () => {}
  let idle: (() => void)[] = []
  const { ledger } = opts

  const settle = (seq: number, due: number, o: LeanOutcome) => {
    const at = performance.now()
    if (o.kind === 'response') {
      const bucket = bucketOfStatus(o.status)
      // The response is over when its last byte is in: the pool hands it over complete.
      ledger.settle(seq, bucket, at, due, bucket === '200' ? { status: o.status } : { status: o.status, sample: `${o.status} ${o.body.toString('utf8', 0, Math.min(o.body.length, 300))}` })
    } else {
      const bucket: DmBucket = o.kind === 'timeout' ? 'clientTimeout' : 'connectionError'
      ledger.settle(seq, bucket, at, due, { sample: o.kind === 'timeout' ? `timeout: ${o.message}` : `${o.code}: ${o.message}` })
    }
    inFlight--
    release()
    if (inFlight === 0) { const waiting = idle; idle = []; for (const r of waiting) r() }
  }

  const send = (seq: number, due: number, device: number) => {
    pool.send(opts.build(seq, device), (o) => settle(seq, due, o))
  }

  const hooks: SchedulerHooks = {
    hasCapacity: () => inFlight < opts.connections,
    fire(seq, due, lag) {
      ledger.planned(seq, due)
      const device = opts.selectDevice()
      inFlight++
      ledger.sent(seq, device, performance.now(), lag)
      send(seq, due, device)
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
