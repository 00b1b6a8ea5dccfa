import type { InboxEntry } from '../adapters/inbox.js'
import { matchValue, show } from './match-value.js'

/** How several patterns match packets: in arrival order, or each a different packet in any order. */
export type SelectMode = 'ordered' | 'unordered'

/** The mismatch of `packet` against a pattern (null when it matches). */
export function mismatch(pattern: Record<string, unknown>, packet: Record<string, unknown>): string | null {
  return matchValue(pattern, packet)
}

/**
 * Picks one unconsumed entry per pattern: `ordered` means each pattern
 * matches a later packet than the previous one. Returns null until every
 * pattern has a packet.
 */
export function selectPackets(entries: readonly InboxEntry[], patterns: readonly Record<string, unknown>[], mode: SelectMode): InboxEntry[] | null {
  const used = new Set<InboxEntry>()
  const picked: InboxEntry[] = []
  let from = 0
  for (const pattern of patterns) {
    let found: InboxEntry | undefined
    for (let i = mode === 'ordered' ? from : 0; i < entries.length; i++) {
      const e = entries[i]!
      if (e.consumed || used.has(e)) continue
      if (mismatch(pattern, e.packet) === null) {
        found = e
        from = i + 1
        break
      }
    }
    if (!found) return null
    used.add(found)
    picked.push(found)
  }
  return picked
}

/** How many patterns (from the first) can be satisfied; for failure messages. */
export function countSatisfied(entries: readonly InboxEntry[], patterns: readonly Record<string, unknown>[], mode: SelectMode): number {
  for (let n = patterns.length; n > 0; n--) if (selectPackets(entries, patterns.slice(0, n), mode)) return n
  return 0
}

/**
 * Why the nearest candidates do not match `pattern`: for packets of the
 * pattern's type (or any type when it names none), the first difference each.
 */
export function explainMisses(entries: readonly InboxEntry[], pattern: Record<string, unknown>, max = 3): string[] {
  const type = pattern.packet
  const candidates = entries.filter((e) => !e.consumed && (type === undefined || e.packet.packet === type))
  return candidates.slice(-max).map((e) => `${e.packet.packet} at ${Math.round(e.t)} ms: ${mismatch(pattern, e.packet) ?? 'matches'}`)
}

export { show }
