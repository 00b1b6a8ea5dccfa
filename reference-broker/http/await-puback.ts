import type http from 'node:http'
import type { WireGate } from '../wire-gate.js'

/** How a wait for the receiver's PUBACK ended. */
export type PubackOutcome = 'acked' | 'timeout' | 'receiver-disconnected' | 'caller-gone'

/** What a wait needs of the sent message: its acknowledgement, and a way to forget it. */
export interface AwaitedSend {
  acked: Promise<void>
  cancel(): void
}

/**
 * One SendDirectMessage waiting for its PUBACK. The per-request objects are
 * this one, its timer and the two reactions below; no other closure per
 * request (the data plane's throughput: every allocation on this path is paid
 * once per direct message).
 */
class PubackWait {
  private done = false
  private readonly timer: NodeJS.Timeout

  constructor(
    private readonly gate: WireGate,
    private readonly sent: AwaitedSend,
    timeoutMs: number,
    private readonly resolve: (outcome: PubackOutcome) => void,
  ) {
    this.timer = setTimeout(timedOut, timeoutMs, this)
  }

  finish(outcome: PubackOutcome): void {
    if (this.done) return
    this.done = true
    clearTimeout(this.timer)
    waitersByGate.get(this.gate)?.delete(this)
    if (outcome !== 'acked') this.sent.cancel()
    this.resolve(outcome)
  }
}

function timedOut(wait: PubackWait): void {
  wait.finish('timeout')
}

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

/**
 * Waits for the PUBACK of a QoS 1 direct message [DM-CONFIRM-TRUE-QOS1], at
 * most `timeoutMs` [DM-STATUS-504]. Ends early when the receiver's connection
 * closes (no PUBACK can come on it any more) or the HTTP caller goes away. On
 * every outcome but `acked` the pending acknowledgement is cancelled so the
 * gate keeps no state for it.
 */
export function awaitPuback(gate: WireGate, sent: AwaitedSend, timeoutMs: number, res: http.ServerResponse): Promise<PubackOutcome> {
  return new Promise<PubackOutcome>((resolve) => {
    const wait = new PubackWait(gate, sent, timeoutMs, resolve)
    if (gate.state === 'closed') return wait.finish('receiver-disconnected')
    watchGate(gate, wait)
    // Left on the response once the wait is over: `finish` is then a no-op, and the
    // response (one per request) goes with its listeners.
    res.once('close', () => wait.finish('caller-gone'))
    void sent.acked.then(() => wait.finish('acked'))
  })
}
