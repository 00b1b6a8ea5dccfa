import type http from 'node:http'
import { performance } from 'node:perf_hooks'
import type { AckListener } from '../direct-delivery.js'
import type { WireGate } from '../wire-gate.js'

/** How a wait for the receiver's PUBACK ended. */
export type PubackOutcome = 'acked' | 'timeout' | 'receiver-disconnected' | 'caller-gone'

/** What a wait needs of the sent message: to be told of its acknowledgement, and a way to forget it. */
export interface AwaitedSend {
  whenAcked(listener: AckListener): void
  cancel(): void
}

/** The wait a response's `close` ends (set on the response: no closure per request). */
const WAIT = Symbol('puback wait')
type Waited = http.ServerResponse & { [WAIT]?: PubackWait }

/**
 * One SendDirectMessage waiting for its PUBACK. The per-request objects are
 * this one and the promise it settles: the ack, the timeout sweep
 * (puback-deadlines below), the receiver's close and the caller's close reach
 * it without a closure or a timer of its own (the data plane's throughput:
 * every allocation on this path is paid once per direct message).
 */
class PubackWait implements AckListener {
  private done = false
  /** The deadline's bucket (puback-deadlines below), until the wait ends. */
  bucket: Set<PubackWait> | null = null

  constructor(
    private readonly gate: WireGate,
    private readonly sent: AwaitedSend,
    private readonly res: Waited,
    private readonly resolve: (outcome: PubackOutcome) => void,
  ) {}

  acked(): void {
    this.finish('acked')
  }

  finish(outcome: PubackOutcome): void {
    if (this.done) return
    this.done = true
    this.bucket?.delete(this)
    this.bucket = null
    waitersByGate.get(this.gate)?.delete(this)
    this.res[WAIT] = undefined
    if (outcome !== 'acked') this.sent.cancel()
    this.resolve(outcome)
  }
}

// ---- PUBACK deadlines: one timer per 100 ms slot, not one per request -------------------

/** Deadlines are rounded up to this (ms): a 504 comes at most this late, never early. */
const SLOT_MS = 100
/** Waits by the slot (monotonic ms, performance.now(), a multiple of SLOT_MS) in which their deadline falls. */
const slots = new Map<number, Set<PubackWait>>()

function expireSlot(at: number): void {
  // Node's timers count whole milliseconds on libuv's clock (the start and the delay truncated),
  // so the slot's timer can fire up to about 2 ms before `at` on performance.now()'s: then it
  // waits for the rest, or a deadline just before the slot's end would get its 504 early.
  const early = at - performance.now()
  if (early > 0) {
    setTimeout(expireSlot, Math.ceil(early), at).unref()
    return
  }
  const bucket = slots.get(at)
  slots.delete(at)
  if (bucket) for (const wait of bucket) wait.finish('timeout')
}

/** Times `wait` out `timeoutMs` from now (up to SLOT_MS later) [DM-STATUS-504]. */
function addDeadline(wait: PubackWait, timeoutMs: number): void {
  const at = Math.ceil((performance.now() + timeoutMs) / SLOT_MS) * SLOT_MS
  let bucket = slots.get(at)
  if (!bucket) {
    bucket = new Set()
    slots.set(at, bucket)
    // One timer for every wait whose deadline falls in this slot. Unref'd: it may outlive its
    // waits (acknowledged in time) and must not keep a stopped broker's process alive; while a
    // request waits, its socket keeps the process running.
    setTimeout(expireSlot, at - performance.now(), at).unref()
  }
  bucket.add(wait)
  wait.bucket = bucket
}

// ---- the receiver's close, the caller's close ------------------------------------------

/** One close listener per receiver connection, however many direct messages wait on it. */
const waitersByGate = new WeakMap<WireGate, Set<PubackWait>>()

function watchGate(gate: WireGate, wait: PubackWait): void {
  let waiters = waitersByGate.get(gate)
  if (!waiters) {
    const set = new Set<PubackWait>()
    waiters = set
    waitersByGate.set(gate, set)
    gate.socket.once('close', () => {
      for (const w of [...set]) w.finish('receiver-disconnected')
      set.clear()
    })
  }
  waiters.add(wait)
}

/** The response closed: the caller is gone, or (wait already over) nothing to do. */
function onResponseClose(this: Waited): void {
  this[WAIT]?.finish('caller-gone')
}

/**
 * Waits for the PUBACK of a QoS 1 direct message [DM-CONFIRM-TRUE-QOS1], at
 * most `timeoutMs` [DM-STATUS-504]. Ends early when the receiver's connection
 * closes (no PUBACK can come on it any more) or the HTTP caller goes away. On
 * every outcome but `acked` the pending acknowledgement is cancelled so the
 * gate keeps no state for it.
 */
export function awaitPuback(gate: WireGate, sent: AwaitedSend, timeoutMs: number, res: http.ServerResponse): Promise<PubackOutcome> {
  return new Promise<PubackOutcome>((resolve) => {
    const waited = res as Waited
    const wait = new PubackWait(gate, sent, waited, resolve)
    if (gate.state === 'closed') return wait.finish('receiver-disconnected')
    addDeadline(wait, timeoutMs)
    watchGate(gate, wait)
    // Left on the response once the wait is over (the wait is then no longer found on it);
    // the response (one per request) goes with its listeners.
    waited[WAIT] = wait
    res.on('close', onResponseClose)
    // A caller that left while the request was being handled (its close already emitted) is gone now.
    if (res.destroyed) return wait.finish('caller-gone')
    sent.whenAcked(wait)
  })
}
