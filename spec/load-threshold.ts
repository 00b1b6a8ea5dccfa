import { closestName } from './closest-name.js'
import type { LoadMode } from './load-report-schema.js'

/**
 * Latency series a threshold can take a percentile of (`p(99, receipt)`).
 * Bucket names are due→response for requests that ended in that bucket.
 */
export const LATENCY_SERIES = {
  response: 'due time → outcome (response, client timeout or connection error), every request sent',
  '200': 'due time → HTTP 200', '504': 'due time → HTTP 504', '404': 'due time → HTTP 404', '429': 'due time → HTTP 429',
  otherStatus: 'due time → any other HTTP status',
  clientTimeout: 'due time → the client gave up', connectionError: 'due time → connection error',
  sent: 'send time → HTTP response (what a closed-loop tool would show)',
  receipt: 'send time → the device received the PUBLISH',
  ack: 'device PUBACK → HTTP 200',
  connack: 'device connect start → CONNACK',
  lag: "the scheduler's own lag: due time → request handed to the connection pool",
  pubsub: 'publish due time → subscriber received (pub/sub load)',
} as const
export type LatencySeries = keyof typeof LATENCY_SERIES

/** Which run mode a counter belongs to. */
type Mode = LoadMode | 'any'

/** Counters a threshold can compare or take a rate of, with what they count. */
export const COUNTERS: Record<string, { mode: Mode; meaning: string }> = {
  planned: { mode: 'any', meaning: 'requests (or publishes) the plan scheduled' },
  sent: { mode: 'any', meaning: 'requests (or publishes) actually sent' },
  notSent: { mode: 'any', meaning: 'planned but not sent: the generator fell behind beyond maxLag or the pool was saturated' },
  '200': { mode: 'direct-messages', meaning: 'HTTP 200 responses' },
  accepted: { mode: 'direct-messages', meaning: 'HTTP 200 responses (same as 200)' },
  '504': { mode: 'direct-messages', meaning: 'HTTP 504 responses' },
  '404': { mode: 'direct-messages', meaning: 'HTTP 404 responses' },
  '429': { mode: 'direct-messages', meaning: 'HTTP 429 responses' },
  otherStatus: { mode: 'direct-messages', meaning: 'responses with any other status' },
  clientTimeout: { mode: 'direct-messages', meaning: 'requests the client gave up on' },
  connectionError: { mode: 'direct-messages', meaning: 'requests that failed on the connection' },
  delivered: { mode: 'direct-messages', meaning: 'requests answered 200 whose PUBLISH the target device received' },
  received: { mode: 'direct-messages', meaning: 'requests whose PUBLISH a device received, whatever the HTTP status' },
  unconfirmed: { mode: 'direct-messages', meaning: 'confirmation=true requests answered 200 that no device received' },
  misrouted: { mode: 'direct-messages', meaning: 'PUBLISHes received by a device other than the request\'s target' },
  orphans: { mode: 'any', meaning: 'messages received that match no planned request or publish' },
  duplicates: { mode: 'any', meaning: 'extra copies of a message already received' },
  expected: { mode: 'pubsub', meaning: 'deliveries the plan expects (publishes sent × matching subscribers)' },
  lost: { mode: 'pubsub', meaning: 'expected deliveries that never arrived' },
  reordered: { mode: 'pubsub', meaning: 'deliveries that arrived after a later sequence number from the same publisher' },
  publishErrors: { mode: 'pubsub', meaning: 'publishes the broker refused or never acknowledged' },
  connectFailures: { mode: 'any', meaning: 'devices that never got a successful CONNACK' },
  disconnects: { mode: 'any', meaning: 'unplanned device disconnects' },
}

export type ThresholdOp = '<' | '<=' | '>' | '>=' | '==' | '!='

/** One side of a threshold comparison. Latencies are in milliseconds, rates are fractions. */
export type ThresholdOperand =
  | { kind: 'percentile'; percentile: number; series: LatencySeries }
  | { kind: 'max' | 'mean'; series: LatencySeries }
  | { kind: 'rate'; counter: string }
  | { kind: 'counter'; counter: string }
  | { kind: 'literal'; value: number; unit: 'ms' | 'ratio' | 'number' }

/** A parsed threshold: `p(99) < 50ms` → percentile op literal. */
export interface Threshold {
  source: string
  left: ThresholdOperand
  op: ThresholdOp
  right: ThresholdOperand
}

/** A parse error, `offset` characters into the expression. */
export interface ThresholdError {
  offset: number
  message: string
}

interface Token { kind: 'ident' | 'number' | 'op' | 'punct'; text: string; offset: number; value?: number; unit?: string }

const UNIT_MS: Record<string, number> = { us: 0.001, 'µs': 0.001, ms: 1, s: 1000, m: 60_000 }

function tokenize(src: string): Token[] | ThresholdError {
  const out: Token[] = []
  const re = /\s*(?:(\d+(?:\.\d+)?(?:e-?\d+)?)(µs|us|ms|s|m|%)?|([A-Za-z_][A-Za-z0-9_]*)|(<=|>=|==|!=|<|>)|([(),]))/y
  let i = 0
  while (i < src.length) {
    if (/^\s*$/.test(src.slice(i))) break
    re.lastIndex = i
    const m = re.exec(src)
    if (!m) {
      const at = i + (/^\s*/.exec(src.slice(i))?.[0].length ?? 0)
      return { offset: at, message: `unexpected "${src[at]}"` }
    }
    const offset = m.index + (m[0].length - m[0].trimStart().length)
    if (m[1] !== undefined) out.push({ kind: 'number', text: m[1] + (m[2] ?? ''), offset, value: Number(m[1]), ...(m[2] ? { unit: m[2] } : {}) })
    else if (m[3] !== undefined) out.push({ kind: 'ident', text: m[3], offset })
    else if (m[4] !== undefined) out.push({ kind: 'op', text: m[4], offset })
    else out.push({ kind: 'punct', text: m[5]!, offset })
    i = re.lastIndex
  }
  return out
}

class Fail extends Error {
  constructor(readonly offset: number, message: string) { super(message) }
}

const isLatency = (o: ThresholdOperand) => o.kind === 'percentile' || o.kind === 'max' || o.kind === 'mean'

function series(tok: Token | undefined, end: number): LatencySeries {
  if (!tok || (tok.kind !== 'ident' && tok.kind !== 'number')) throw new Fail(tok?.offset ?? end, `expected a latency series: ${Object.keys(LATENCY_SERIES).join(', ')}`)
  if (tok.text in LATENCY_SERIES) return tok.text as LatencySeries
  const near = closestName(tok.text, Object.keys(LATENCY_SERIES))
  throw new Fail(tok.offset, `unknown latency series "${tok.text}"${near ? ` (did you mean ${near}?)` : ''}; known: ${Object.keys(LATENCY_SERIES).join(', ')}`)
}

function counter(tok: Token | undefined, end: number, mode: Mode): string {
  if (!tok || (tok.kind !== 'ident' && tok.kind !== 'number')) throw new Fail(tok?.offset ?? end, 'expected a counter name')
  const c = COUNTERS[tok.text]
  if (!c) {
    const near = closestName(tok.text, Object.keys(COUNTERS))
    throw new Fail(tok.offset, `unknown counter "${tok.text}"${near ? ` (did you mean ${near}?)` : ''}; known: ${Object.keys(COUNTERS).join(', ')}`)
  }
  if (c.mode !== 'any' && mode !== 'any' && c.mode !== mode) throw new Fail(tok.offset, `"${tok.text}" counts ${c.mode} runs; this scenario is a ${mode} run`)
  return tok.text
}

/**
 * Parses one threshold expression: `p(99) < 50ms`, `p(99.9, receipt) <= 1s`,
 * `rate(504) < 0.001`, `rate(notSent) < 0.1%`, `delivered == accepted`,
 * `notSent == 0`, `max(lag) < 100ms`. `mode` rejects counters of the other run kind.
 */
export function parseThreshold(source: string, mode: Mode = 'any'): { threshold: Threshold } | { error: ThresholdError } {
  const tokens = tokenize(source)
  if (!Array.isArray(tokens)) return { error: tokens }
  let pos = 0
  const end = source.trimEnd().length
  const peek = () => tokens[pos]
  const expect = (text: string) => {
    const t = tokens[pos]
    if (!t || t.text !== text) throw new Fail(t?.offset ?? end, `expected "${text}"${t ? `, found "${t.text}"` : ''}`)
    pos++
  }
  const operand = (): ThresholdOperand => {
    const t = tokens[pos++]
    if (!t) throw new Fail(end, 'expected a metric or a value')
    if (t.kind === 'number') {
      if (t.unit === '%') return { kind: 'literal', value: t.value! / 100, unit: 'ratio' }
      if (t.unit) return { kind: 'literal', value: t.value! * UNIT_MS[t.unit]!, unit: 'ms' }
      // A bare status code is a counter only where a counter can be (`504 == 0`); otherwise a number.
      return { kind: 'literal', value: t.value!, unit: 'number' }
    }
    if (t.kind !== 'ident') throw new Fail(t.offset, `expected a metric or a value, found "${t.text}"`)
    if (peek()?.text === '(') {
      pos++
      let result: ThresholdOperand
      if (t.text === 'p') {
        const q = tokens[pos++]
        if (!q || q.kind !== 'number' || q.unit || q.value! <= 0 || q.value! > 100) throw new Fail(q?.offset ?? end, 'p(...) takes a percentile between 0 and 100, e.g. p(99)')
        let s: LatencySeries = 'response'
        if (peek()?.text === ',') { pos++; s = series(tokens[pos++], end) }
        result = { kind: 'percentile', percentile: q.value!, series: s }
      } else if (t.text === 'max' || t.text === 'mean') {
        result = { kind: t.text, series: series(tokens[pos++], end) }
      } else if (t.text === 'rate' || t.text === 'count') {
        const c = counter(tokens[pos++], end, mode)
        result = t.text === 'rate' ? { kind: 'rate', counter: c } : { kind: 'counter', counter: c }
      } else {
        throw new Fail(t.offset, `unknown function "${t.text}"; known: p(percentile[, series]), max(series), mean(series), rate(counter), count(counter)`)
      }
      expect(')')
      return result
    }
    return { kind: 'counter', counter: counter(t, end, mode) }
  }
  try {
    const left = operand()
    const opTok = tokens[pos++]
    if (!opTok || opTok.kind !== 'op') throw new Fail(opTok?.offset ?? end, 'expected a comparison: <, <=, >, >=, == or !=')
    const right = operand()
    if (pos < tokens.length) throw new Fail(tokens[pos]!.offset, `unexpected "${tokens[pos]!.text}" after the comparison`)
    if (left.kind === 'literal' && right.kind === 'literal') throw new Fail(0, 'compare a metric, not two values')
    const latency = isLatency(left) || isLatency(right)
    const other = isLatency(left) ? right : left
    if (latency && other.kind === 'literal' && other.unit === 'ratio') throw new Fail(0, 'a latency compares with a duration (50ms, 1s), not a percentage')
    if (latency && !isLatency(other) && other.kind !== 'literal') throw new Fail(0, 'a latency compares with a duration or another latency, not a counter')
    if (!latency && [left, right].some((o) => o.kind === 'literal' && o.unit === 'ms')) throw new Fail(0, 'a duration only compares with a latency: p(...), max(...), mean(...)')
    return { threshold: { source, left, op: opTok.text as ThresholdOp, right } }
  } catch (err) {
    if (err instanceof Fail) return { error: { offset: err.offset, message: err.message } }
    throw err
  }
}

/** Applies a comparison operator. */
export function compareThreshold(a: number, op: ThresholdOp, b: number): boolean {
  switch (op) {
    case '<': return a < b
    case '<=': return a <= b
    case '>': return a > b
    case '>=': return a >= b
    case '==': return a === b
    case '!=': return a !== b
  }
}
