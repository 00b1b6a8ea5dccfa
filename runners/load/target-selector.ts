import type { TargetSelection } from '../../spec/index.js'

/**
 * Picks the device (local index in 0..n-1) each request goes to: uniform at
 * random, round-robin, or a hot set of the first `devices` devices taking
 * `share` of the requests (the rest spread uniformly over the others).
 */
export function createTargetSelector(sel: TargetSelection, n: number, random: () => number): () => number {
  if (sel === 'round-robin') {
    let i = 0
    return () => { const d = i; i = (i + 1) % n; return d }
  }
  if (sel === 'uniform' || n <= 1) return () => Math.floor(random() * n)
  const hot = Math.min(sel.hot.devices, n - 1)
  const share = sel.hot.share
  return () => (random() < share ? Math.floor(random() * hot) : hot + Math.floor(random() * (n - hot)))
}
