import type { Scenario } from '../spec/index.js'
import { CliUsageError } from './errors.js'

/** `--shard 2/4` → { index: 2, total: 4 } (1-based). */
export function parseShard(value: string): { index: number; total: number } {
  const m = /^(\d+)\/(\d+)$/.exec(value.trim())
  const index = Number(m?.[1])
  const total = Number(m?.[2])
  if (!m || total < 1 || index < 1 || index > total) throw new CliUsageError(`--shard takes i/n with 1 <= i <= n, e.g. 1/4; got "${value}"`)
  return { index, total }
}

/** `--grep RE` as a RegExp (a bad one is a usage error, not a crash). */
export function parseGrep(value: string): RegExp {
  try {
    return new RegExp(value)
  } catch (err) {
    throw new CliUsageError(`--grep: ${(err as Error).message}`)
  }
}

/** How `run` narrows the loaded scenarios. */
export interface ScenarioSelection {
  grep?: RegExp
  /** Keep scenarios carrying at least one of these tags. */
  tags?: readonly string[]
  /** Drop scenarios carrying any of these tags (wins over `tags`). */
  excludeTags?: readonly string[]
  /** Keep scenarios checking one of these requirement ids; `RET-*` matches by prefix. */
  requirements?: readonly string[]
  shard?: { index: number; total: number }
}

/** `RET-EXACT-MATCH` exactly, or `RET-*` as a prefix. */
function requirementMatcher(patterns: readonly string[]): (id: string) => boolean {
  return (id) => patterns.some((p) => (p.endsWith('*') ? id.startsWith(p.slice(0, -1)) : id === p))
}

/**
 * Narrows the loaded scenarios: `grep` matches the id (matrix cell included),
 * the title or a requirement id; tags and requirement ids select exactly; a
 * shard takes every n-th scenario by id (after the other filters) so shards
 * are disjoint, complete and stable whatever the file order.
 */
export function selectScenarios(scenarios: readonly Scenario[], opts: ScenarioSelection): Scenario[] {
  let out = [...scenarios]
  if (opts.tags?.length) {
    const want = new Set(opts.tags)
    out = out.filter((s) => (s.tags ?? []).some((t) => want.has(t)))
  }
  if (opts.excludeTags?.length) {
    const drop = new Set(opts.excludeTags)
    out = out.filter((s) => !(s.tags ?? []).some((t) => drop.has(t)))
  }
  if (opts.requirements?.length) {
    const match = requirementMatcher(opts.requirements)
    out = out.filter((s) => s.spec.some(match))
  }
  if (opts.grep) {
    const re = opts.grep
    out = out.filter((s) => re.test(s.id) || re.test(s.title) || s.spec.some((id) => re.test(id)))
  }
  if (opts.shard) {
    const { index, total } = opts.shard
    const order = [...out].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    const mine = new Set(order.filter((_, i) => i % total === index - 1))
    out = out.filter((s) => mine.has(s))
  }
  return out
}
