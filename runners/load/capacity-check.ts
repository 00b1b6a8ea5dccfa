import type { LoadScenario } from '../../spec/index.js'
import { peakRate, planStages } from './arrival-plan.js'

/** Round-trip time assumed for a request nobody delays on purpose (loopback broker). */
const BASE_MS = 5

/** The latency the scenario's behaviours imply on average (ms): withheld PUBACKs cost the whole API timeout. */
function expectedLatencyMs(sc: LoadScenario): number {
  const dm = sc.directMessage
  if (!dm?.confirmation) return BASE_MS
  let rest = 1
  let sum = 0
  for (const b of sc.devices.behaviours) {
    rest -= b.share
    sum += b.share * (b.puback === 'never' ? dm.timeout * 1000 : b.puback === 'immediate' ? BASE_MS : b.puback.delay + BASE_MS)
  }
  return sum + Math.max(0, rest) * BASE_MS
}

/**
 * Little's law (L = λ·W): at the peak rate with the expected latency, how
 * many requests are in flight at once. When that exceeds the pool's
 * connections, requests wait for a connection and past maxLag count as
 * notSent: say so before the run, with the number that would carry it.
 */
export function littlesLawWarning(sc: LoadScenario, durationScale = 1): string | undefined {
  if (sc.mode !== 'direct-messages') return undefined
  const rate = peakRate(planStages(sc.stages, durationScale))
  const w = expectedLatencyMs(sc)
  const needed = Math.ceil((rate * w) / 1000)
  if (needed <= sc.http.connections) return undefined
  return `Little's law: ${rate}/s at about ${w.toFixed(0)} ms each keeps about ${needed} requests in flight, but http.connections is ${sc.http.connections}; ` +
    `requests will wait for a connection and past maxLag (${sc.http.maxLag} ms) count as notSent. Set http.connections to at least ${Math.ceil(needed * 1.2)}.`
}
