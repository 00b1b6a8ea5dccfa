import type { Scenario } from '../../spec/index.js'

/** Table cell text for the generated docs: one line, pipes escaped. */
export function cell(text: string): string {
  return text.replace(/\s+/g, ' ').trim().replace(/\|/g, '\\|')
}

/** Scenario documents (not matrix cells) naming each requirement or statement id, by id. */
export function scenariosById(scenarios: readonly Scenario[]): Map<string, Scenario[]> {
  const out = new Map<string, Scenario[]>()
  const seen = new Set<string>()
  for (const s of scenarios) {
    if (seen.has(s.baseId)) continue
    seen.add(s.baseId)
    for (const id of s.spec) out.set(id, [...(out.get(id) ?? []), s])
  }
  for (const list of out.values()) list.sort((a, b) => a.baseId.localeCompare(b.baseId))
  return out
}
