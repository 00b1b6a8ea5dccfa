import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runReportSchema, type ScenarioResult } from '../../spec/index.js'
import { runScenarios } from '../run-scenarios.js'
import { startBundledTarget } from '../targets/bundled-target.js'
import type { ResolvedTarget } from '../targets/resolved-target.js'
import { scenariosFrom } from './helpers.js'

let target: ResolvedTarget
beforeAll(async () => { target = await startBundledTarget() })
afterAll(async () => { await target.teardown() })

async function run(text: string, opts: Parameters<typeof runScenarios>[2] = {}): Promise<ScenarioResult[]> {
  const report = await runScenarios(scenariosFrom(text, target.limits), target, opts)
  expect(runReportSchema.safeParse(report).success).toBe(true)
  return report.scenarios
}

const header = (id: string, extra = '') => `id: ${id}\ntitle: ${id}\nspec: [QOS-LEVELS-0-1]\n${extra}`

describe('runScenarios against the bundled broker', () => {
  it('a broken expectation fails with expected vs actual, its location and the packet trace', async () => {
    const [r] = await run(`${header('wrong-payload')}clients:
  sub: { version: 5 }
  pub: { version: 5 }
steps:
  - connect: sub
  - connect: pub
  - subscribe: { client: sub, topic: '\${prefix}/t', qos: 1 }
  - publish: { client: pub, topic: '\${prefix}/t', payload: actual, qos: 1 }
  - expect: { client: sub, packet: publish, payload: expected, within: 500ms }
  - disconnect: sub
`)
    expect(r!.status).toBe('failed')
    expect(r!.steps.map((s) => s.status)).toEqual(['passed', 'passed', 'passed', 'passed', 'failed', 'skipped'])
    expect(r!.steps[3]!.latencyMs).toBeGreaterThan(0)
    const f = r!.failures[0]!
    expect(f.step).toBe('expect')
    expect(f.location).toEqual({ file: 'inline.yaml', line: 12, col: 5 })
    expect(f.message).toMatch(/^sub did not receive a packet matching .* within 500 ms \(0 matched\); nearest: publish at \d+ ms: payload: expected "expected", got "actual"/)
    expect(f.expected).toEqual({ packet: 'publish', payload: 'expected' })
    expect(f.actual).toEqual([expect.objectContaining({ packet: 'publish', payload: 'actual', qos: 1 })])
    const seen = f.trace!.map((t) => `${t.client} ${t.dir} ${t.summary.packet ?? t.summary.event}`)
    expect(seen).toEqual(expect.arrayContaining(['sub out connect', 'sub in connack', 'pub out publish', 'pub in puback', 'sub in publish']))
  })

  it('a missing capability skips with the reason; a declared deviation is waived', async () => {
    const results = await run(`${header('needs-tls', 'requires: [tls]\n')}clients:
  a: { version: 5 }
steps:
  - connect: a
`)
    expect(results[0]).toMatchObject({ status: 'skipped', reason: 'target bundled lacks tls', steps: [] })
    const [w] = await run(`${header('declared-deviation', 'waive: { reason: "our broker sends no DISCONNECT here (ticket 42)" }\n')}clients:
  a: { version: 5 }
steps:
  - connect: a
  - expect-nothing: { client: a, within: 100ms }
  - expect: { client: a, packet: disconnect, within: 200ms }
`)
    expect(w).toMatchObject({ status: 'waived', reason: 'our broker sends no DISCONNECT here (ticket 42)' })
    expect(w!.failures[0]!.message).toMatch(/did not receive a packet matching \{"packet":"disconnect"\}/)
  })

  it('a rate limit is checked on arrival times and recorded as a timeline', async () => {
    const [r] = await run(`${header('burst')}clients:
  sub: { version: 5 }
  pub: { version: 5 }
steps:
  - connect: sub
  - connect: pub
  - subscribe: { client: sub, topic: '\${prefix}/burst' }
  - publish: { client: pub, topic: '\${prefix}/burst', payload: 'n\${i}', count: 15 }
  - expect: { client: sub, packet: publish, count: 15, within: 3s, rate: { max: 5, per: 1s, tolerance: 1 } }
`)
    expect(r!.status).toBe('failed')
    expect(r!.failures[0]!.message).toMatch(/^sub received 15 matching packets within 1000 ms from t=\d+ ms; limit is at most 5 per 1000 ms \(\+1\)/)
    expect(r!.timelines).toEqual([expect.objectContaining({ client: 'sub', assertion: 'at most 5 per 1000 ms (+1)' })])
    expect(r!.timelines![0]!.points).toHaveLength(15)
  })

  it('expect-nothing fails on a packet inside its window', async () => {
    const [r] = await run(`${header('unexpected')}clients:
  sub: { version: '3.1.1' }
steps:
  - connect: sub
  - subscribe: { client: sub, topic: '\${prefix}/x' }
  - publish: { client: sub, topic: '\${prefix}/x', payload: echo }
  - expect-nothing: { client: sub, packet: publish, within: 1s }
`)
    expect(r!.status).toBe('failed')
    expect(r!.failures[0]!.message).toMatch(/^sub received a PUBLISH it should not have/)
    expect(r!.steps[3]!.durationMs).toBeLessThan(900)
  })

  it('withheld PUBACK makes a confirmed direct message time out with 504 (ack: never, expect-http)', async () => {
    const [r] = await run(`${header('dm-no-puback', 'requires: [http-data-plane]\n')}clients:
  device: { version: 5, ack: never }
steps:
  - connect: device
  - http:
      method: POST
      path: '/connections/\${clients.device.id}/messages'
      query: { topic: '\${prefix}/cmd', confirmation: true, timeout: 1 }
      body: 'ping'
      as: dm
      await: false
  - expect: { client: device, packet: publish, topic: '\${prefix}/cmd', qos: 1, within: 2s }
  - expect-http: { as: dm, status: 504, body: { traceId: { match: '.' } }, within: 5s }
`)
    expect(r!.failures).toEqual([])
    expect(r!.status).toBe('passed')
    expect(r!.steps[3]!.latencyMs).toBeGreaterThanOrEqual(900)
  })

  it('wait-for polls an HTTP expectation until it holds (retained message visible through the API)', async () => {
    const [r] = await run(`${header('poll-retained', 'requires: [http-data-plane]\n')}clients:
  pub: { version: 5 }
steps:
  - http: { method: GET, path: '/retainedMessage/\${prefix}/state', expect: { status: 404 } }
  - connect: pub
  - publish: { client: pub, topic: '\${prefix}/state', payload: 'on', qos: 1, retain: true }
  - wait-for:
      within: 3s
      every: 50ms
      http: { method: GET, path: '/retainedMessage/\${prefix}/state', expect: { status: 200, body: { topic: { match: '/state$' }, qos: 1 } } }
  - wait-for:
      within: 300ms
      http: { method: GET, path: '/retainedMessage/\${prefix}/other', expect: { status: 200 } }
`)
    expect(r!.steps.map((s) => s.status)).toEqual(['passed', 'passed', 'passed', 'passed', 'failed'])
    expect(r!.failures[0]!.message).toMatch(/^condition not met within 300 ms; last answer: status: expected 200, got 404/)
    expect(r!.failures[0]!.trace!.some((t) => t.client === 'http' && t.summary.status === 404)).toBe(true)
  })

  it('runs many scenarios concurrently, each isolated by its own client ids and topic prefix', async () => {
    const text = Array.from({ length: 12 }, (_, i) => `${header(`iso-${i}`)}clients:
  a: { version: 5 }
steps:
  - connect: a
  - subscribe: { client: a, topic: '\${prefix}/same' }
  - publish: { client: a, topic: '\${prefix}/same', payload: 'from ${i}' }
  - expect: { client: a, packet: publish, payload: 'from ${i}', within: 2s }
  - expect-nothing: { client: a, packet: publish, within: 300ms }
`)
    const scenarios = text.flatMap((t, i) => scenariosFrom(t, target.limits, `iso-${i}.yaml`))
    const started = Date.now()
    const report = await runScenarios(scenarios, target, { concurrency: 6, declared: [{ id: 'QOS-LEVELS-0-1' }, { id: 'RET-EXACT-MATCH', reason: 'not here' }] })
    expect(report.summary).toEqual({ total: 12, passed: 12, failed: 0, errored: 0, skipped: 0, waived: 0, flaky: 0 })
    expect(report.scenarios.map((s) => s.id)).toEqual(scenarios.map((s) => s.id))
    expect(Date.now() - started).toBeLessThan(12 * 300)
    expect(report.requirements).toEqual([
      { id: 'QOS-LEVELS-0-1', status: 'passed', scenarios: scenarios.map((s) => s.id) },
      { id: 'RET-EXACT-MATCH', status: 'untested', scenarios: [], reason: 'not here' },
    ])
  })
})
