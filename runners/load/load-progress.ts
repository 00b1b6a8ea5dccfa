import { addLiveLatency, type LiveLatency } from './live-latency.js'

/** A running total one slice reports every second (added up across workers for the progress line). */
export interface LoadProgress {
  phase: 'connecting' | 'running' | 'draining' | 'closed-loop' | 'done'
  devices: number
  connected: number
  planned: number
  sent: number
  notSent: number
  /** Completed requests by bucket (DM) or deliveries (`received`, pub/sub). */
  outcomes: Record<string, number>
  inFlight: number
  received: number
  /** Latency of every outcome so far (DM: due → outcome; pub/sub: publish due → receipt), in fixed buckets. */
  latency?: LiveLatency
}

const PHASE_ORDER: LoadProgress['phase'][] = ['connecting', 'running', 'draining', 'closed-loop', 'done']

/** Adds slices' progress; the phase shown is the least advanced one. */
export function addProgress(list: readonly LoadProgress[]): LoadProgress {
  const out: LoadProgress = { phase: 'done', devices: 0, connected: 0, planned: 0, sent: 0, notSent: 0, outcomes: {}, inFlight: 0, received: 0 }
  for (const p of list) {
    if (PHASE_ORDER.indexOf(p.phase) < PHASE_ORDER.indexOf(out.phase)) out.phase = p.phase
    out.devices += p.devices
    out.connected += p.connected
    out.planned += p.planned
    out.sent += p.sent
    out.notSent += p.notSent
    out.inFlight += p.inFlight
    out.received += p.received
    for (const [k, v] of Object.entries(p.outcomes)) out.outcomes[k] = (out.outcomes[k] ?? 0) + v
  }
  const latencies = list.flatMap((p) => (p.latency ? [p.latency] : []))
  if (latencies.length) out.latency = addLiveLatency(latencies)
  return out
}
