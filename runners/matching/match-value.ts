import { isMatcherObject } from '../../spec/index.js'

/**
 * Compares an actual value with an expected value from a scenario. Returns
 * null when it matches, otherwise the first mismatch as `path: explanation`.
 * Mappings match as subsets, lists element by element, scalars by equality
 * (booleans equal 1/0), and matcher objects by their keywords.
 */
export function matchValue(expected: unknown, actual: unknown, path = ''): string | null {
  const at = (p: string) => (p ? `${p}: ` : '')
  if (isMatcherObject(expected)) return matchKeywords(expected as Record<string, unknown>, actual, path)
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${at(path)}expected a list, got ${show(actual)}`
    if (actual.length !== expected.length) return `${at(path)}expected ${expected.length} items, got ${actual.length}: ${show(actual)}`
    for (let i = 0; i < expected.length; i++) {
      const m = matchValue(expected[i], actual[i], `${path}[${i}]`)
      if (m) return m
    }
    return null
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return `${at(path)}expected a mapping, got ${show(actual)}`
    for (const [k, v] of Object.entries(expected)) {
      const m = matchValue(v, (actual as Record<string, unknown>)[k], path ? `${path}.${k}` : k)
      if (m) return m
    }
    return null
  }
  return scalarEqual(expected, actual) ? null : `${at(path)}expected ${show(expected)}, got ${show(actual)}`
}

function scalarEqual(expected: unknown, actual: unknown): boolean {
  if (expected === actual) return true
  // MQTT.js decodes flag properties as booleans; scenarios may write them as 1/0 like the spec.
  if (typeof actual === 'boolean' && typeof expected === 'number') return Number(actual) === expected
  if (typeof expected === 'boolean' && typeof actual === 'number') return Number(expected) === actual
  return false
}

function matchKeywords(m: Record<string, unknown>, actual: unknown, path: string): string | null {
  const at = path ? `${path}: ` : ''
  if ('absent' in m) {
    const isAbsent = actual === undefined
    if (m.absent === true && !isAbsent) return `${at}expected absent, got ${show(actual)}`
    if (m.absent === false && isAbsent) return `${at}expected present, got nothing`
  }
  if ('match' in m) {
    if (actual === undefined || actual === null) return `${at}expected text matching /${m.match}/, got ${show(actual)}`
    if (!new RegExp(String(m.match)).test(String(actual))) return `${at}expected text matching /${m.match}/, got ${show(actual)}`
  }
  for (const [k, test] of [['gte', (a: number, b: number) => a >= b], ['gt', (a: number, b: number) => a > b], ['lte', (a: number, b: number) => a <= b], ['lt', (a: number, b: number) => a < b]] as const) {
    if (!(k in m)) continue
    if (typeof actual !== 'number' || !test(actual, m[k] as number)) return `${at}expected ${k} ${m[k]}, got ${show(actual)}`
  }
  if ('length' in m) {
    const len = typeof actual === 'string' || Array.isArray(actual) ? actual.length : undefined
    if (len !== m.length) return `${at}expected length ${m.length}, got ${len === undefined ? show(actual) : len}`
  }
  if ('oneOf' in m) {
    const options = m.oneOf as unknown[]
    if (!options.some((o) => matchValue(o, actual, path) === null)) return `${at}expected one of ${show(options)}, got ${show(actual)}`
  }
  if ('not' in m && matchValue(m.not, actual, path) === null) return `${at}expected not ${show(m.not)}, got ${show(actual)}`
  if ('every' in m) {
    if (!Array.isArray(actual)) return `${at}expected a list, got ${show(actual)}`
    for (let i = 0; i < actual.length; i++) {
      const r = matchValue(m.every, actual[i], `${path}[${i}]`)
      if (r) return r
    }
  }
  if ('contains' in m) {
    if (!Array.isArray(actual)) return `${at}expected a list, got ${show(actual)}`
    if (!actual.some((a) => matchValue(m.contains, a) === null)) return `${at}expected a list containing ${show(m.contains)}, got ${show(actual)}`
  }
  if ('json' in m) {
    let parsed: unknown
    try {
      parsed = typeof actual === 'string' ? JSON.parse(actual) : actual
    } catch {
      return `${at}expected JSON text, got ${show(actual)}`
    }
    return matchValue(m.json, parsed, path)
  }
  return null
}

/** Short JSON-ish rendering for messages (long values cut). */
export function show(v: unknown): string {
  if (v === undefined) return 'nothing'
  let s: string
  try {
    s = JSON.stringify(v) ?? String(v)
  } catch {
    s = String(v)
  }
  return s.length > 160 ? `${s.slice(0, 157)}...` : s
}
