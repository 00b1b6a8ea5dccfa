import type { z } from 'zod'

/** A schema problem: path inside the validated value, message, and whether it is about a key. */
export interface SchemaProblem {
  path: (string | number)[]
  message: string
  /** True when the problem is the key itself (unknown key): locate the key, not its value. */
  key?: boolean
}

type Issue = z.core.$ZodIssue

/**
 * Turns zod issues into messages a scenario author can act on: unknown keys
 * point at the key, and a union reports the branch that got furthest instead
 * of every branch's complaint.
 */
export function zodProblems(issues: readonly Issue[], base: (string | number)[] = []): SchemaProblem[] {
  const out: SchemaProblem[] = []
  for (const issue of issues) {
    const path = [...base, ...(issue.path as (string | number)[])]
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: [...path, key], message: `unknown key "${key}"`, key: true })
    } else if (issue.code === 'invalid_union') {
      out.push(...unionProblems(issue, path))
    } else if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message) && path.length > 0) {
      out.push({ path, message: `missing required key "${String(path[path.length - 1])}" (${issue.expected})` })
    } else {
      out.push({ path, message: issue.message })
    }
  }
  return out
}

function unionProblems(issue: Extract<Issue, { code: 'invalid_union' }>, path: (string | number)[]): SchemaProblem[] {
  const branches = (issue.errors ?? []) as Issue[][]
  // A branch whose problems are all below the root matched the value's shape: report it.
  const deep = branches.filter((b) => b.length > 0 && b.every((i) => i.path.length > 0 || i.code === 'custom' || i.code === 'unrecognized_keys'))
  if (deep.length > 0) {
    const best = deep.reduce((a, b) => (b.length < a.length ? b : a))
    return zodProblems(best, path)
  }
  if (issue.message && issue.message !== 'Invalid input') return [{ path, message: issue.message }]
  const expected = new Set<string>()
  for (const b of branches) for (const i of b) {
    if (i.code === 'invalid_type') expected.add(String(i.expected))
    else if (i.code === 'invalid_value') for (const v of i.values) expected.add(JSON.stringify(v))
  }
  return [{ path, message: expected.size ? `expected ${[...expected].join(' or ')}` : issue.message }]
}
