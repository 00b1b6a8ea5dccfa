/**
 * IAM-style wildcard patterns: `*` matches any run of characters (including
 * `/` and nothing), `?` exactly one character. Policy variables such as
 * `${iot:ClientId}` are replaced by their value, which is matched literally, so
 * a client id containing `*` can never widen a policy. `${*}`, `${?}` and `${$}`
 * stand for the literal characters, as in IAM.
 */

/** Values of the policy variables for one request, keyed by lower-case name (`iot:clientid`). */
export type PolicyVariables = Readonly<Record<string, string | undefined>>

const cache = new Map<string, RegExp>()
const CACHE_LIMIT = 10_000

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&')
}

const LITERAL_ESCAPES: Record<string, string> = { '*': '*', '?': '?', '$': '$' }

/**
 * The regular expression source for a pattern, or null when it names a
 * variable that has no value in this request (such a pattern matches nothing,
 * as an unresolvable IAM variable does).
 */
function regExpSource(pattern: string, vars: PolicyVariables): string | null {
  let out = ''
  let i = 0
  while (i < pattern.length) {
    const ch = pattern[i]!
    if (ch === '$' && pattern[i + 1] === '{') {
      const end = pattern.indexOf('}', i + 2)
      if (end !== -1) {
        const name = pattern.slice(i + 2, end)
        const literal = LITERAL_ESCAPES[name]
        const value = literal ?? vars[name.toLowerCase()]
        if (value === undefined) return null
        out += escapeRegExp(value)
        i = end + 1
        continue
      }
    }
    if (ch === '*') out += '[\\s\\S]*'
    else if (ch === '?') out += '[\\s\\S]'
    else out += escapeRegExp(ch)
    i++
  }
  return out
}

/** Whether `value` matches the wildcard `pattern` (after variable substitution). */
export function wildcardMatch(pattern: string, value: string, vars: PolicyVariables = {}, ignoreCase = false): boolean {
  // A pattern without variables compiles to the same expression every time: look it up
  // before rebuilding its source (this runs on every policy check, a hot path).
  const fixed = !pattern.includes('${')
  const fixedKey = (ignoreCase ? 'pi:' : 'ps:') + pattern
  let re = fixed ? cache.get(fixedKey) : undefined
  if (re) return re.test(value)
  const source = regExpSource(pattern, vars)
  if (source === null) return false
  const key = fixed ? fixedKey : (ignoreCase ? 'i:' : 's:') + source
  re = cache.get(key)
  if (!re) {
    // The cache only bounds work for repeated patterns; clearing it is always safe.
    if (cache.size >= CACHE_LIMIT) cache.clear()
    re = new RegExp(`^${source}$`, ignoreCase ? 'iu' : 'u')
    cache.set(key, re)
  }
  return re.test(value)
}

/** `pattern` with its variables substituted, for StringEquals; null when a variable has no value. */
export function substituteVariables(pattern: string, vars: PolicyVariables): string | null {
  let out = ''
  let i = 0
  while (i < pattern.length) {
    if (pattern[i] === '$' && pattern[i + 1] === '{') {
      const end = pattern.indexOf('}', i + 2)
      if (end !== -1) {
        const name = pattern.slice(i + 2, end)
        const value = LITERAL_ESCAPES[name] ?? vars[name.toLowerCase()]
        if (value === undefined) return null
        out += value
        i = end + 1
        continue
      }
    }
    out += pattern[i]
    i++
  }
  return out
}
