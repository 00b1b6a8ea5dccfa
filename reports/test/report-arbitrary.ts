import fc from 'fast-check'
import { outcomeSchema, runReportSchema, type RunReport, type ScenarioResult } from '../../spec/index.js'
import { resolveRequirements } from '../resolve-requirements.js'
import { summarizeScenarios } from '../summarize-scenarios.js'

/** Characters that break naive escaping in XML, HTML, Markdown or JSON-in-script. */
const NASTY = ['<', '>', '&', '"', "'", ']]>', '</script>', '<!--', '|', '`', '```', '\\', '\n', '\r', '\t', '\u0000', '\u0008', '\u001b', '\uFFFE', '\uFFFF', '\uD800', '\uDFFF', '\u2028', '😀', '${x}', '*_#']

/** Strings mixing any code point, lone surrogates and the characters above. */
export const nastyString = (maxLength = 24) => fc.string({
  unit: fc.oneof(
    { weight: 4, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
    { weight: 2, arbitrary: fc.constantFrom(...NASTY) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) },
  ),
  maxLength,
})

const ms = fc.double({ min: 0, max: 1e6, noNaN: true, noDefaultInfinity: true })
const location = fc.record({ file: nastyString(), line: fc.integer({ min: 1, max: 10_000 }), col: fc.integer({ min: 1, max: 500 }) })
const outcome = fc.constantFrom(...outcomeSchema.options)

const traceEntry = fc.record({
  t: ms, client: nastyString(8), dir: fc.constantFrom('in' as const, 'out' as const, 'event' as const),
  summary: fc.dictionary(nastyString(6), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
})

const failure = fc.record({
  message: nastyString(60),
  expected: fc.jsonValue({ maxDepth: 3 }),
  actual: fc.jsonValue({ maxDepth: 3 }),
  location,
  step: nastyString(8),
  trace: fc.array(traceEntry, { maxLength: 6 }),
}, { requiredKeys: ['message'] })

const scenarioBody = fc.record({
  title: nastyString(40),
  file: nastyString(20),
  location: fc.option(location, { nil: undefined }),
  status: outcome,
  requirements: fc.array(fc.constantFrom('RET-EXACT', 'ALIAS-0x94', 'QOS2', 'DM-504', 'x<y>&"z"', 'LWT|1'), { maxLength: 3 }),
  matrix: fc.option(fc.dictionary(nastyString(6), fc.oneof(fc.string(), fc.integer(), fc.boolean()), { maxKeys: 2 }), { nil: undefined }),
  durationMs: ms,
  failures: fc.array(failure, { maxLength: 3 }),
  reason: fc.option(nastyString(40), { nil: undefined }),
  steps: fc.array(fc.record({
    kind: fc.constantFrom('connect', 'publish', 'expect', 'http', 'subscribe', 'k<i>nd'), status: outcome, durationMs: ms,
    latencyMs: fc.option(ms, { nil: undefined }), location: fc.option(location, { nil: undefined }),
  }), { maxLength: 6 }),
  timelines: fc.option(fc.array(fc.record({
    name: nastyString(12), client: fc.option(nastyString(8), { nil: undefined }), points: fc.array(ms, { maxLength: 30 }),
    assertion: fc.option(fc.oneof(fc.constant('at most 10 per 1000 ms (+1)'), fc.constant('5 msg/s'), nastyString(20)), { nil: undefined }),
  }), { maxLength: 2 }), { nil: undefined }),
})

/** Drops keys whose value is undefined: the JSON a report round-trips through has none. */
function clean<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T
}

/** Any valid RunReport: unique scenario ids, summary and requirement matrix consistent with the scenarios. */
export const runReportArbitrary: fc.Arbitrary<RunReport> = fc.record({
  ids: fc.uniqueArray(nastyString(30), { maxLength: 8 }),
  bodies: fc.array(scenarioBody, { minLength: 8, maxLength: 8 }),
  untested: fc.array(fc.record({ id: nastyString(12), reason: nastyString(30) }), { maxLength: 3 }),
  target: fc.record({
    kind: fc.constantFrom('bundled' as const, 'external' as const), name: nastyString(16), profile: nastyString(12),
    urls: fc.dictionary(nastyString(6), nastyString(20), { maxKeys: 2 }), readings: fc.dictionary(nastyString(6), nastyString(20), { maxKeys: 2 }),
  }),
  shard: fc.option(fc.integer({ min: 1, max: 4 }).map((n) => ({ index: n, total: 4 })), { nil: undefined }),
  startedAt: fc.oneof(fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }).map((d) => d.toISOString()), nastyString(10)),
  durationMs: ms,
}).map(({ ids, bodies, untested, target, shard, startedAt, durationMs }) => {
  const scenarios: ScenarioResult[] = ids.map((id, i) => {
    const b = bodies[i]!
    return clean({
      ...b, id, location: b.location, matrix: b.matrix, reason: b.reason, timelines: b.timelines?.map(clean),
      failures: b.failures.map(clean),
      steps: b.steps.map((s, index) => clean({ ...s, index })),
    })
  })
  return runReportSchema.parse(clean({
    schemaVersion: 1, tool: { name: 'mqtt-harness', version: '0.1.0' }, startedAt, finishedAt: startedAt, durationMs, target, shard,
    summary: summarizeScenarios(scenarios), scenarios,
    requirements: resolveRequirements(scenarios, untested.map((u) => ({ ...u, status: 'untested' as const }))),
  }))
})
