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

/**
 * Narrows the loaded scenarios: `grep` matches the id (matrix cell included),
 * the title or a requirement id; a shard takes every n-th scenario by id so
 * shards are disjoint, complete and stable whatever the file order.
 */
export function selectScenarios(scenarios: readonly Scenario[], opts: { grep?: RegExp; shard?: { index: number; total: number } }): Scenario[] {
  let out = [...scenarios]
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
