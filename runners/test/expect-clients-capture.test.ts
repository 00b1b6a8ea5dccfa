import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStepDefinitionRegistry, parseScenarioText, type ScenarioResult } from '../../spec/index.js'
import { runScenarios } from '../run-scenarios.js'
import { startBundledTarget } from '../targets/bundled-target.js'
import type { ResolvedTarget } from '../targets/resolved-target.js'
import { capturedValue } from '../steps/expect.js'
import { scenariosFrom } from './helpers.js'

let target: ResolvedTarget
beforeAll(async () => { target = await startBundledTarget() })
afterAll(async () => { await target.teardown() })

async function run(text: string): Promise<ScenarioResult[]> {
  return (await runScenarios(scenariosFrom(text, target.limits), target, {})).scenarios
}

const header = (id: string) => `id: ${id}\ntitle: ${id}\nspec: [SHARE-ONE-PER-GROUP]\n`

describe('expect over several clients', () => {
  it('matches the clients\' packets as one stream and consumes each from its own client', async () => {
    const [r] = await run(`${header('shared-stream')}clients:
  a: { version: 5 }
  b: { version: '3.1.1' }
  pub: { version: 5 }
steps:
  - connect: a
  - subscribe: { client: a, topic: '$share/g/\${prefix}/t', qos: 1 }
  - connect: b
  - subscribe: { client: b, topic: '$share/g/\${prefix}/t', qos: 1 }
  - connect: pub
  - publish: { client: pub, topic: '\${prefix}/t', payload: 'm\${i}', qos: 1, count: 6 }
  - expect: { client: [a, b], all: [{ payload: m0 }, { payload: m1 }, { payload: m2 }, { payload: m3 }, { payload: m4 }, { payload: m5 }], within: 3s }
  - expect-nothing: { client: a, packet: publish, within: 200ms }
  - expect-nothing: { client: b, packet: publish, within: 10ms }
`)
    expect(r!.status).toBe('passed')
  })

  it('fails naming every client when the stream lacks a packet', async () => {
    const [r] = await run(`${header('shared-stream-miss')}clients:
  a: { version: 5 }
  b: { version: 5 }
steps:
  - connect: a
  - connect: b
  - expect: { client: [a, b], packet: publish, within: 200ms }
`)
    expect(r!.status).toBe('failed')
    expect(r!.failures[0]!.message).toMatch(/^a\+b did not receive a packet matching \{"packet":"publish"\} within 200 ms/)
  })

  it('refuses an undeclared client in the list, naming its position', () => {
    const { issues } = parseScenarioText(`${header('bad-list')}clients:
  a: { version: 5 }
steps:
  - expect: { client: [a, ghost], packet: publish }
`, 'inline.yaml', { limits: target.limits, registry: createStepDefinitionRegistry() })
    expect(issues.map((i) => [i.path, i.message])).toEqual([['steps[0].expect.client[1]', expect.stringMatching(/client "ghost" is not declared/)]])
  })
})

describe('expect capture and ${vars.NAME}', () => {
  it('reads dotted paths, going into JSON text', () => {
    const packet = { packet: 'publish', topic: 't', payload: '{"versionNumber":7,"nested":{"ok":true}}', properties: { contentType: 'x' } }
    expect(capturedValue(packet, 'payload.versionNumber')).toBe(7)
    expect(capturedValue(packet, 'payload.nested.ok')).toBe(true)
    expect(capturedValue(packet, 'properties.contentType')).toBe('x')
    expect(() => capturedValue(packet, 'payload.missing')).toThrow(/capture: payload.missing is nothing/)
  })

  it('a captured number compares with later packets (equality and gt)', async () => {
    const [ok] = await run(`${header('capture-ok')}clients:
  sub: { version: 5 }
steps:
  - connect: sub
  - subscribe: { client: sub, topic: '\${prefix}/n', qos: 1 }
  - publish: { client: sub, topic: '\${prefix}/n', payload: '{"n": 3}', qos: 1 }
  - expect: { client: sub, packet: publish, payload: { json: { n: { gte: 0 } } }, capture: { first: payload.n }, within: 2s }
  - publish: { client: sub, topic: '\${prefix}/n', payload: '{"n": 3}', qos: 1 }
  - expect: { client: sub, packet: publish, payload: { json: { n: '\${vars.first}' } }, within: 2s }
  - publish: { client: sub, topic: '\${prefix}/n', payload: '{"n": 4}', qos: 1 }
  - expect: { client: sub, packet: publish, payload: { json: { n: { gt: '\${vars.first}' } } }, within: 2s }
`)
    expect(ok!.status).toBe('passed')
    const [bad] = await run(`${header('capture-bad')}clients:
  sub: { version: 5 }
steps:
  - connect: sub
  - subscribe: { client: sub, topic: '\${prefix}/n', qos: 1 }
  - publish: { client: sub, topic: '\${prefix}/n', payload: '{"n": 3}', qos: 1 }
  - expect: { client: sub, packet: publish, capture: { first: payload.n }, within: 2s }
  - publish: { client: sub, topic: '\${prefix}/n', payload: '{"n": 3}', qos: 1 }
  - expect: { client: sub, packet: publish, payload: { json: { n: { gt: '\${vars.first}' } } }, within: 300ms }
`)
    expect(bad!.status).toBe('failed')
    expect(bad!.failures[0]!.message).toMatch(/n: expected gt 3, got 3/)
  })

  it('an unknown ${vars.NAME} is a harness error at run time; a malformed one a validation error', async () => {
    const [r] = await run(`${header('capture-unknown')}clients:
  sub: { version: 5 }
steps:
  - connect: sub
  - expect: { client: sub, packet: publish, payload: '\${vars.never}', within: 100ms }
`)
    expect(r!.status).toBe('errored')
    expect(r!.failures[0]!.message).toMatch(/no earlier expect captured "never"/)
    const { issues } = parseScenarioText(`${header('bad-var')}clients:
  sub: { version: 5 }
steps:
  - expect: { client: sub, payload: '\${vars}' }
`, 'inline.yaml', { limits: target.limits, registry: createStepDefinitionRegistry() })
    expect(issues[0]!.message).toMatch(/captured values are \$\{vars.NAME\}/)
  })
})
