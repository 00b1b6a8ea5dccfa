import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ScenarioResult } from '../../spec/index.js'
import { runScenarios } from '../run-scenarios.js'
import { startBundledTarget } from '../targets/bundled-target.js'
import type { ResolvedTarget } from '../targets/resolved-target.js'
import { scenariosFrom } from './helpers.js'

let target: ResolvedTarget
beforeAll(async () => { target = await startBundledTarget() })
afterAll(async () => { await target.teardown() })

async function run(text: string): Promise<ScenarioResult> {
  const report = await runScenarios(scenariosFrom(text, target.limits), target)
  return report.scenarios[0]!
}

const header = (id: string) => `id: ${id}\ntitle: ${id}\nspec: [DM-API-PATH]\nrequires: [http-data-plane]\n`

describe('the http step: bodySize, latencyMs, count and responses', () => {
  it('bodySize sends that many bytes (413 one byte above the payload quota, 200 at it)', async () => {
    const r = await run(`${header('body-size')}clients:
  device: { version: 5 }
steps:
  - connect: device
  - http: { method: POST, path: '/connections/\${clients.device.id}/messages', query: { topic: '\${prefix}/big' }, bodySize: 131073, expect: { status: 413 } }
  - http: { method: POST, path: '/connections/\${clients.device.id}/messages', query: { topic: '\${prefix}/big' }, bodySize: 131072, expect: { status: 200 } }
  - expect: { client: device, packet: publish, payload: { length: 131072 }, within: 2s }
`)
    expect(r.failures).toEqual([])
    expect(r.status).toBe('passed')
  })

  it('latencyMs matches the request-to-response time', async () => {
    const r = await run(`${header('latency')}clients:
  device: { version: 5, ack: { delay: 400ms } }
steps:
  - connect: device
  - http: { method: POST, path: '/connections/\${clients.device.id}/messages', query: { topic: '\${prefix}/slow', confirmation: true }, as: dm, await: false }
  - expect-http: { as: dm, status: 200, latencyMs: { gte: 350 }, within: 3s }
  - http: { method: POST, path: '/connections/\${clients.device.id}/messages', query: { topic: '\${prefix}/slow', confirmation: true }, expect: { status: 200, latencyMs: { lt: 100 } } }
`)
    expect(r.steps.map((s) => s.status)).toEqual(['passed', 'passed', 'passed', 'failed'])
    expect(r.failures[0]!.message).toMatch(/latencyMs: expected lt 100, got \d+/)
  })

  it('count sends the copies at once; expect holds for each response, responses for the list', async () => {
    const r = await run(`${header('burst')}clients:
  device: { version: '3.1.1' }
steps:
  - connect: device
  - http:
      method: POST
      path: '/connections/\${clients.device.id}/messages'
      query: { topic: '\${prefix}/n\${i}' }
      count: 300
      expect: { status: { oneOf: [200, 429] } }
      responses: { contains: { status: 429, headers: { x-amzn-errortype: ThrottlingException } } }
      within: 10s
  - http:
      method: POST
      path: '/connections/\${clients.device.id}/messages'
      query: { topic: '\${prefix}/x' }
      count: 3
      responses: { contains: { status: 404 } }
`)
    expect(r.steps.map((s) => s.status)).toEqual(['passed', 'passed', 'failed'])
    expect(r.failures[0]!.message).toMatch(/^3 responses \((\d+ × (200|429)(, )?)+\): responses: expected a list containing \{"status":404\}/)
  })

  it('refuses as: with count, and body with bodySize', () => {
    expect(() => scenariosFrom(`${header('bad')}steps:
  - http: { path: /x, count: 2, as: a, await: false }
  - http: { path: /x, body: x, bodySize: 3 }
`, target.limits)).toThrow(/as: names one response[\s\S]*give body or bodySize/)
  })
})

describe('the http step: sign (the bundled target verifies SigV4 and refuses unsigned requests)', () => {
  const signHeader = (id: string) => `id: ${id}\ntitle: ${id}\nspec: [DM-STATUS-401]\nrequires: [http-data-plane, sigv4]\n`

  it('signs by default with the target\'s test key; sign: false, a wrong key or a tampered signature get 403; another signing name is accepted', async () => {
    expect(target.capabilities.has('sigv4')).toBe(true)
    expect(target.http?.sigv4).toMatchObject({ service: 'iotdata', region: 'us-east-1' })
    const r = await run(`${signHeader('sign-ok')}clients:
  device: { version: 5 }
steps:
  - connect: device
  - http: { method: GET, path: '/connections/\${clients.device.id}', expect: { status: 200 } }
  - http: { method: GET, path: '/connections/\${clients.device.id}', sign: true, expect: { status: 200 } }
  - http: { method: GET, path: '/connections/\${clients.device.id}', sign: { service: iotdevicegateway }, expect: { status: 200 } }
  - http: { method: GET, path: '/connections/\${clients.device.id}', sign: false, expect: { status: 403, headers: { x-amzn-errortype: ForbiddenException } } }
  - http: { method: GET, path: '/connections/\${clients.device.id}', sign: { secretAccessKey: wrong }, expect: { status: 403 } }
  - http: { method: GET, path: '/connections/\${clients.device.id}', sign: { tamper: true }, expect: { status: 403 } }
  - wait-for: { within: 2s, http: { method: GET, path: '/connections/\${clients.device.id}', sign: false, expect: { status: 403 } } }
`)
    expect(r.failures).toEqual([])
    expect(r.status).toBe('passed')
  })

  it('an unsigned request expecting 200 fails with the 403 in the trace, marked unsigned', async () => {
    const r = await run(`${signHeader('sign-off')}steps:
  - http: { method: GET, path: '/retainedMessage', sign: false, expect: { status: 200 } }
`)
    expect(r.status).toBe('failed')
    expect(r.failures[0]!.message).toMatch(/status: expected 200, got 403/)
    const out = r.failures[0]!.trace!.find((t) => t.client === 'http' && t.dir === 'out')!
    expect(out.summary.signed).toBeUndefined()
  })

  it('sign: refuses unknown keys and values of the wrong type, with file:line:col', () => {
    expect(() => scenariosFrom(`${signHeader('bad-sign')}steps:
  - http: { path: /x, sign: { secretKey: wrong } }
  - http: { path: /x, sign: maybe }
  - wait-for: { within: 1s, http: { path: /x, sign: { tamper: yes }, expect: { status: 200 } } }
`, target.limits)).toThrow(/6:31 steps\[0\]\.http\.sign\.secretKey: unknown key "secretKey"[\s\S]*7:29 steps\[1\]\.http\.sign: expected boolean or object[\s\S]*8:63 steps\[2\]\.wait-for\.http\.sign\.tamper: .*expected boolean/)
  })
})
