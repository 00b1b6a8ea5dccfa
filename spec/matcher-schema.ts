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

/**
 * What a decoded packet field holds, so `validate` can refuse an expectation
 * that could never match (`qos: one`, `payload: 42`, `retain: yes`) instead of
 * leaving it to fail at run time.
 */
export type FieldKind = 'integer' | 'flag' | 'text' | 'integer-list'

/** Packet fields with a known kind (others, e.g. `properties`, are matched untyped). */
export const PACKET_FIELD_KINDS: Readonly<Record<string, FieldKind>> = {
  qos: 'integer', messageId: 'integer', reasonCode: 'integer', returnCode: 'integer',
  retain: 'flag', dup: 'flag', sessionPresent: 'flag',
  topic: 'text', payload: 'text',
  reasonCodes: 'integer-list', granted: 'integer-list',
}

const KIND_WORDS: Record<FieldKind, string> = {
  integer: 'a whole number',
  flag: 'true, false, 1 or 0',
  text: 'text (quote it, e.g. \'42\')',
  'integer-list': 'a list of whole numbers',
}

function literalFits(kind: FieldKind | 'integer-element', v: unknown): boolean {
  // A string holding a run-time variable (`${vars.v1}`, `${i}`) is resolved later.
  if (typeof v === 'string' && v.includes('${')) return true
  switch (kind) {
    case 'integer': case 'integer-element': return typeof v === 'number' && Number.isInteger(v)
    case 'flag': return typeof v === 'boolean' || v === 0 || v === 1
    case 'text': return typeof v === 'string'
    case 'integer-list': return Array.isArray(v) && v.every((x) => literalFits('integer-element', x))
  }
}

/**
 * Problems of an expected value against the kind of field it is matched
 * with: literals of the wrong type, `gte`/`lt` on text, `match` on numbers,
 * `every`/`contains` on a scalar. Matcher syntax itself is matcherProblems'.
 */
export function fieldKindProblems(value: unknown, kind: FieldKind | 'integer-element', field: string, path: (string | number)[] = []): { path: (string | number)[]; message: string }[] {
  const out: { path: (string | number)[]; message: string }[] = []
  const words = kind === 'integer-element' ? 'a whole number' : KIND_WORDS[kind]
  if (!isMatcherObject(value)) {
    // A literal list matches element by element, and each element may be a matcher.
    if (kind === 'integer-list' && Array.isArray(value)) {
      value.forEach((x, i) => out.push(...fieldKindProblems(x, 'integer-element', `each of ${field}`, [...path, i])))
      return out
    }
    if (!literalFits(kind, value)) out.push({ path, message: `${field} is ${words}; ${JSON.stringify(value)} can never match` })
    return out
  }
  const m = value as Record<string, unknown>
  const list = kind === 'integer-list'
  const numeric = kind === 'integer' || kind === 'integer-element'
  for (const k of ['gte', 'gt', 'lte', 'lt'] as const) {
    if (k in m && !numeric) out.push({ path: [...path, k], message: `${k} compares numbers; ${field} is ${words}` })
  }
  if ('match' in m && kind !== 'text') out.push({ path: [...path, 'match'], message: `match takes text; ${field} is ${words}` })
  if ('json' in m && kind !== 'text') out.push({ path: [...path, 'json'], message: `json parses text; ${field} is ${words}` })
  if ('length' in m && kind !== 'text' && !list) out.push({ path: [...path, 'length'], message: `length applies to text or lists; ${field} is ${words}` })
  for (const k of ['every', 'contains'] as const) {
    if (!(k in m)) continue
    if (list) out.push(...fieldKindProblems(m[k], 'integer-element', `each of ${field}`, [...path, k]))
    else out.push({ path: [...path, k], message: `${k} applies to lists; ${field} is ${words}` })
  }
  if (Array.isArray(m.oneOf)) m.oneOf.forEach((o, i) => out.push(...fieldKindProblems(o, kind, field, [...path, 'oneOf', i])))
  if ('not' in m) out.push(...fieldKindProblems(m.not, kind, field, [...path, 'not']))
  return out
}

/** An expected value for a field of a known kind: matcher syntax and the field's type are checked. */
export function typedMatcherSchema(kind: FieldKind, field: string) {
  return z
    .unknown()
    .superRefine((value, ctx) => {
      for (const p of matcherProblems(value)) ctx.addIssue({ code: 'custom', path: p.path, message: p.message })
      for (const p of fieldKindProblems(value, kind, field)) ctx.addIssue({ code: 'custom', path: p.path, message: p.message })
    })
    .describe(`Expected ${KIND_WORDS[kind]}, or a matcher of it`)
}

/**
 * An acknowledgement subset (`connect`'s CONNACK, `subscribe`'s SUBACK...): a
 * matcher, whose packet fields with a known kind (PACKET_FIELD_KINDS) are type-checked.
 */
export const packetSubsetSchema = z
  .unknown()
  .superRefine((value, ctx) => {
    for (const p of matcherProblems(value)) ctx.addIssue({ code: 'custom', path: p.path, message: p.message })
    if (value === null || typeof value !== 'object' || Array.isArray(value) || isMatcherObject(value)) return
    for (const [k, v] of Object.entries(value)) {
      const kind = PACKET_FIELD_KINDS[k]
      if (kind) for (const p of fieldKindProblems(v, kind, k, [k])) ctx.addIssue({ code: 'custom', path: p.path, message: p.message })
    }
  })
  .describe(matcherSchema.description ?? 'Expected packet subset')
