/**
 * `${...}` variables in scenario strings. Two phases share this code: the
 * loader resolves `matrix.*` and `limits.*` (so numbers stay numbers and the
 * schema checks them), the runner resolves the per-run names (`prefix`,
 * `clients.NAME.id`, `run.id`, `i`) just before a step runs.
 */

export type VarValue = string | number | boolean

const VAR_RE = /\$\{([^}]*)\}/g
const EXPR_RE = /^\s*([A-Za-z_][\w-]*(?:\.[\w.-]+)?)\s*(?:([+-])\s*(\d+))?\s*$/

/** The names the runner fills in; the loader leaves them in place. `vars.NAME` are values an earlier `expect` captured. */
export const RUNTIME_VARIABLES = ['prefix', 'clients', 'run', 'i', 'vars'] as const

/** Whether a text is exactly one `${...}` variable (a number known only at run time, e.g. `${vars.v1}`). */
export function isVariableText(value: unknown): boolean {
  return typeof value === 'string' && /^\$\{[^}]*\}$/.test(value)
}

/** A parsed `${name + n}` expression. */
export interface VarExpr {
  /** Dotted name, e.g. `limits.topicAliasMaximum`. */
  name: string
  /** First segment: `matrix`, `limits`, `prefix`, `clients`... */
  namespace: string
  /** The rest after the namespace, e.g. `topicAliasMaximum`. */
  rest: string
  offset: number
}

/** Parses the text inside `${...}`; null when it is not `name` or `name + int` / `name - int`. */
export function parseVarExpr(text: string): VarExpr | null {
  const m = EXPR_RE.exec(text)
  if (!m) return null
  const name = m[1]!
  const dot = name.indexOf('.')
  const offset = m[2] ? (m[2] === '-' ? -1 : 1) * Number(m[3]) : 0
  return { name, namespace: dot < 0 ? name : name.slice(0, dot), rest: dot < 0 ? '' : name.slice(dot + 1), offset }
}

/** What a resolver returns: a value, `undefined` to leave the text untouched, or an error message. */
export type Resolution = { value: VarValue } | { error: string } | undefined

export type VarResolver = (expr: VarExpr) => Resolution

/**
 * Replaces `${...}` in every string of `value` (deeply). A string that is
 * exactly one variable takes the variable's type (`"${matrix.qos}"` → 1);
 * otherwise the value is spliced into the text. `onError` receives the path of
 * the string and the message for each unknown or malformed variable.
 */
export function substituteVariables(
  value: unknown,
  resolve: VarResolver,
  onError: (path: (string | number)[], message: string) => void = () => {},
  path: (string | number)[] = [],
): unknown {
  if (typeof value === 'string') return substituteString(value, resolve, (m) => onError(path, m))
  if (Array.isArray(value)) return value.map((v, i) => substituteVariables(v, resolve, onError, [...path, i]))
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = substituteVariables(v, resolve, onError, [...path, k])
    return out
  }
  return value
}

function applyOffset(value: VarValue, expr: VarExpr): Resolution {
  if (expr.offset === 0) return { value }
  if (typeof value !== 'number') return { error: `\${${expr.name}} is not a number, so it cannot take ${expr.offset > 0 ? '+' : '-'} ${Math.abs(expr.offset)}` }
  return { value: value + expr.offset }
}

function substituteString(text: string, resolve: VarResolver, onError: (message: string) => void): VarValue {
  if (!text.includes('${')) return text
  const whole = /^\$\{([^}]*)\}$/.exec(text)
  if (whole) {
    const r = resolveOne(whole[1]!, resolve, onError)
    return r === undefined ? text : r
  }
  return text.replace(VAR_RE, (all, inner: string) => {
    const r = resolveOne(inner, resolve, onError)
    return r === undefined ? all : String(r)
  })
}

/** `${repeat(TEXT, COUNT)}`: TEXT (no spaces, commas or parentheses) COUNT times; COUNT an integer or a number variable (`limits.topicMaxBytes - 12`). */
const REPEAT_RE = /^\s*repeat\s*\((.*)\)\s*$/
const REPEAT_ARGS_RE = /^\s*([^\s,()]+)\s*,\s*([^,()]+?)\s*$/

/** The most text one `${repeat(...)}` may produce (16 MiB): a typo in COUNT must not exhaust memory. */
const REPEAT_MAX_CHARS = 16 * 1024 * 1024

function resolveRepeat(args: string, resolve: VarResolver, onError: (message: string) => void): VarValue | undefined {
  const m = REPEAT_ARGS_RE.exec(args)
  if (!m) {
    onError(`malformed \${repeat(${args})}: expected \${repeat(TEXT, COUNT)}, TEXT without spaces, commas or parentheses, COUNT an integer or a number variable`)
    return undefined
  }
  const text = m[1]!
  let count: VarValue | undefined
  if (/^\d+$/.test(m[2]!)) count = Number(m[2])
  else {
    const expr = parseVarExpr(m[2]!)
    if (!expr) {
      onError(`\${repeat(${args})}: COUNT "${m[2]}" is neither an integer nor a variable`)
      return undefined
    }
    count = resolveOne(m[2]!, resolve, onError)
    if (count === undefined) return undefined // a run-time variable: left for the runner, or already reported
  }
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
    onError(`\${repeat(${args})}: COUNT must be a whole number of 0 or more, not ${JSON.stringify(count)}`)
    return undefined
  }
  if (count * text.length > REPEAT_MAX_CHARS) {
    onError(`\${repeat(${args})}: ${count * text.length} characters is more than ${REPEAT_MAX_CHARS}`)
    return undefined
  }
  return text.repeat(count)
}

function resolveOne(inner: string, resolve: VarResolver, onError: (message: string) => void): VarValue | undefined {
  const call = REPEAT_RE.exec(inner)
  if (call) return resolveRepeat(call[1]!, resolve, onError)
  const expr = parseVarExpr(inner)
  if (!expr) {
    onError(`malformed variable \${${inner}}: expected \${name}, \${name + 1}, \${name - 1} or \${repeat(TEXT, COUNT)}`)
    return undefined
  }
  const r = resolve(expr)
  if (r === undefined) return undefined
  if ('error' in r) {
    onError(r.error)
    return undefined
  }
  const out = applyOffset(r.value, expr)
  if (out && 'error' in out) {
    onError(out.error)
    return undefined
  }
  return out?.value
}

/** Every variable expression in `value` (deeply), with the path of its string. */
export function findVariables(value: unknown, path: (string | number)[] = [], out: { path: (string | number)[]; expr: VarExpr | null; text: string }[] = []) {
  if (typeof value === 'string') {
    for (const m of value.matchAll(VAR_RE)) out.push({ path, expr: parseVarExpr(m[1]!), text: m[0] })
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => findVariables(v, [...path, i], out))
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) findVariables(v, [...path, k], out)
  }
  return out
}
