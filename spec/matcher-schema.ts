import { z } from 'zod'
import { isVariableText } from './variables.js'

/**
 * Keywords of a matcher object. An expected value that is a mapping whose
 * keys are all keywords is a matcher; any other mapping is a subset to match
 * key by key. Scalars compare equal (booleans equal 1/0, so a CONNACK's
 * `retainAvailable: 1` matches MQTT.js's `true`); lists match element by
 * element with the same length.
 */
export const MATCHER_KEYWORDS = ['match', 'absent', 'gte', 'gt', 'lte', 'lt', 'oneOf', 'not', 'every', 'contains', 'json', 'length'] as const
export type MatcherKeyword = (typeof MATCHER_KEYWORDS)[number]

const KEYWORDS = new Set<string>(MATCHER_KEYWORDS)

/** Whether `value` is a matcher object (`{ match: ... }`, `{ gte: 1, lte: 3 }`...). */
export function isMatcherObject(value: unknown): value is Partial<Record<MatcherKeyword, unknown>> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false
  const keys = Object.keys(value)
  return keys.length > 0 && keys.every((k) => KEYWORDS.has(k))
}

/** Checks matcher keywords deeply (regexes compile, bounds are numbers...). */
export function matcherProblems(value: unknown, path: (string | number)[] = []): { path: (string | number)[]; message: string }[] {
  const out: { path: (string | number)[]; message: string }[] = []
  const walk = (v: unknown, p: (string | number)[]) => {
    if (Array.isArray(v)) return v.forEach((x, i) => walk(x, [...p, i]))
    if (v === null || typeof v !== 'object') return
    if (!isMatcherObject(v)) {
      for (const [k, x] of Object.entries(v)) walk(x, [...p, k])
      return
    }
    const m = v as Record<string, unknown>
    if ('match' in m) {
      if (typeof m.match !== 'string') out.push({ path: [...p, 'match'], message: 'match takes a regular expression string' })
      else {
        try { new RegExp(m.match) } catch (err) { out.push({ path: [...p, 'match'], message: `invalid regular expression: ${(err as Error).message}` }) }
      }
    }
    if ('absent' in m && typeof m.absent !== 'boolean') out.push({ path: [...p, 'absent'], message: 'absent takes true or false' })
    for (const k of ['gte', 'gt', 'lte', 'lt', 'length'] as const) {
      // A whole `${...}` variable is a number known at run time (`gt: '${vars.v1}'`).
      if (k in m && typeof m[k] !== 'number' && !isVariableText(m[k])) out.push({ path: [...p, k], message: `${k} takes a number` })
    }
    if ('oneOf' in m) {
      if (!Array.isArray(m.oneOf) || m.oneOf.length === 0) out.push({ path: [...p, 'oneOf'], message: 'oneOf takes a non-empty list' })
      else walk(m.oneOf, [...p, 'oneOf'])
    }
    for (const k of ['not', 'every', 'contains', 'json'] as const) if (k in m) walk(m[k], [...p, k])
  }
  walk(value, path)
  return out
}

/** An expected value: a literal, a subset mapping, a list, or a matcher object. */
export const matcherSchema = z
  .unknown()
  .superRefine((value, ctx) => {
    for (const p of matcherProblems(value)) ctx.addIssue({ code: 'custom', path: p.path, message: p.message })
  })
  .describe('Expected value: a literal, a subset mapping, a list, or a matcher: { match: regex }, { absent: true }, { gte, lte, gt, lt }, { oneOf: [...] }, { not: m }, { every: m }, { contains: m }, { json: m }, { length: n }')
