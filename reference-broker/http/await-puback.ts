import type http from 'node:http'
import type { WireGate } from '../wire-gate.js'

/** How a wait for the receiver's PUBACK ended. */
export type PubackOutcome = 'acked' | 'timeout' | 'receiver-disconnected' | 'caller-gone'

/** One close listener per receiver connection, however many direct messages wait on it. */
const waitersByGate = new WeakMap<WireGate, Set<() => void>>()

function onGateClosed(gate: WireGate, waiter: () => void): () => void {
  let waiters = waitersByGate.get(gate)
  if (!waiters) {
    const set = new Set<() => void>()
    waiters = set
    waitersByGate.set(gate, set)
    gate.socket.once('close', () => {
      for (const w of [...set]) w()
      set.clear()
    })
  }
  waiters.add(waiter)
  return () => waiters.delete(waiter)
}

/**
 * Waits for the PUBACK of a QoS 1 direct message [DM-CONFIRM-TRUE-QOS1], at
 * most `timeoutMs` [DM-STATUS-504]. Ends early when the receiver's connection
 * closes (no PUBACK can come on it any more) or the HTTP caller goes away. On
 * every outcome but `acked` the pending acknowledgement is cancelled so the
 * gate keeps no state for it.
 */
export function awaitPuback(gate: WireGate, sent: { acked: Promise<void>; cancel: () => void }, timeoutMs: number, res: http.ServerResponse): Promise<PubackOutcome> {
  return new Promise<PubackOutcome>((resolve) => {
    let done = false
    const finish = (outcome: PubackOutcome) => {
      if (done) return
      done = true
      clearTimeout(timer)
      stopWatchingGate()
      res.off('close', onCallerGone)
      if (outcome !== 'acked') sent.cancel()
      resolve(outcome)
    }
    const timer = setTimeout(() => finish('timeout'), timeoutMs)
    const stopWatchingGate = gate.state === 'closed' ? () => {} : onGateClosed(gate, () => finish('receiver-disconnected'))
    const onCallerGone = () => finish('caller-gone')
    res.on('close', onCallerGone)
    void sent.acked.then(() => finish('acked'))
    if (gate.state === 'closed') finish('receiver-disconnected')
  })
}
