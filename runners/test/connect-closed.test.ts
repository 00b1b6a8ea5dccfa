import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { runScenarios } from '../run-scenarios.js'
import { startBundledTarget } from '../targets/bundled-target.js'
import { resolveExternalTarget } from '../targets/external-target.js'
import type { ResolvedTarget } from '../targets/resolved-target.js'
import { scenariosFrom, startFakeBroker, tempDir, type FakeBehaviour } from './helpers.js'

const scenario = (version: string, will = '', kind = 'mqtt') => `id: connect-closed
title: connect expecting a close without CONNACK
spec: [LWT-QOS2-REFUSED]
clients:
  device: { kind: ${kind}, version: '${version}'${will} }
steps:
  - connect: { client: device, closed: true, within: 800ms }
`

let bundled: ResolvedTarget
beforeAll(async () => { bundled = await startBundledTarget() })
afterAll(async () => { await bundled.teardown() })

const stops: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop()
})

async function againstFake(behaviour: FakeBehaviour, kind: 'mqtt' | 'raw') {
  const fake = await startFakeBroker(behaviour)
  stops.push(fake.close)
  const dir = tempDir({ 'target.yaml': `name: fake-${behaviour}\nmqtt: { url: '${fake.url}' }\n` })
  const target = await resolveExternalTarget(join(dir, 'target.yaml'), { probe: false })
  const report = await runScenarios(scenariosFrom(scenario('5', '', kind), target.limits), target)
  return report.scenarios[0]!
}

describe('connect with closed: true (the server closes without a CONNACK)', () => {
  it.each(['mqtt', 'raw'] as const)('passes when the server closes the connection (%s client)', async (kind) => {
    expect((await againstFake('reset', kind)).status).toBe('passed')
  })

  it('fails at the deadline when the server neither answers nor closes', async () => {
    const r = await againstFake('silent', 'mqtt')
    expect(r.status).toBe('failed')
    expect(r.failures[0]!.message).toBe('no CONNACK within 800 ms')
  })

  it('fails when a CONNACK arrives', async () => {
    const report = await runScenarios(scenariosFrom(scenario('3.1.1'), bundled.limits), bundled)
    const r = report.scenarios[0]!
    expect(r.status).toBe('failed')
    expect(r.failures[0]!.message).toBe('device got a CONNACK; expected the server to close the connection without one')
  })

  it('passes against the bundled broker for an MQTT 3.1.1 Will with QoS 2', async () => {
    const will = `, will: { topic: 'hx/will', payload: gone, qos: 2 }`
    const report = await runScenarios(scenariosFrom(scenario('3.1.1', will), bundled.limits), bundled)
    expect(report.scenarios[0]!.status).toBe('passed')
  })

  it('refuses expect together with closed', () => {
    const text = scenario('5').replace('closed: true,', 'closed: true, expect: { reasonCode: 0 },')
    expect(() => scenariosFrom(text, bundled.limits)).toThrow(/give either expect \(a CONNACK\) or closed: true/)
  })
})
