import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { runScenarios } from '../run-scenarios.js'
import { resolveExternalTarget } from '../targets/external-target.js'
import { TargetUnreachableError } from '../errors.js'
import { closedPort, scenariosFrom, startFakeBroker, tempDir, type FakeBehaviour } from './helpers.js'

const scenario = (client: 'mqtt' | 'raw', timeout: string, within = '') => `id: against-fake
title: Connect to a broker that misbehaves
spec: [QOS-LEVELS-0-1]
timeout: ${timeout}
clients:
  device: { kind: ${client}, version: 5 }
steps:
  - connect: { client: device${within ? `, within: ${within}` : ''} }
  - subscribe: { client: device, topic: never/reached }
`

const stops: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop()
})

async function runAgainst(behaviour: FakeBehaviour, text: string) {
  const fake = await startFakeBroker(behaviour)
  stops.push(fake.close)
  const dir = tempDir({ 'target.yaml': `name: fake-${behaviour}\nmqtt: { url: '${fake.url}' }\n` })
  const target = await resolveExternalTarget(join(dir, 'target.yaml'), { probe: false })
  const started = Date.now()
  const report = await runScenarios(scenariosFrom(text, target.limits), target)
  return { result: report.scenarios[0]!, elapsed: Date.now() - started, report }
}

describe('a broker that misbehaves gives a verdict with a clear reason within the deadline', () => {
  it.each(['mqtt', 'raw'] as const)('never answers (%s client): the connect step fails at its own deadline', async (kind) => {
    const { result, elapsed } = await runAgainst('silent', scenario(kind, '10s', '800ms'))
    expect(result.status).toBe('failed')
    expect(result.failures[0]!.message).toBe('no CONNACK within 800 ms')
    expect(result.failures[0]).toMatchObject({ step: 'connect', location: { file: 'inline.yaml', line: 8, col: 5 } })
    expect(result.steps.map((s) => s.status)).toEqual(['failed', 'skipped'])
    expect(elapsed).toBeGreaterThanOrEqual(750)
    expect(elapsed).toBeLessThan(3000)
  })

  it.each(['mqtt', 'raw'] as const)('never answers (%s client): the scenario deadline cuts a longer wait and names the step', async (kind) => {
    const { result, elapsed } = await runAgainst('silent', scenario(kind, '1s', '20s'))
    expect(result.status).toBe('errored')
    expect(result.failures[0]!.message).toMatch(/^scenario did not finish within its timeout of 1000 ms \(step 0 `connect` at inline.yaml:8 was running\)/)
    expect(result.failures[0]!.message).toMatch(/HX_SCENARIO_TIMEOUT/)
    expect(elapsed).toBeLessThan(3000)
  })

  it.each(['mqtt', 'raw'] as const)('answers garbage (%s client): failed, saying the bytes are not MQTT', async (kind) => {
    const { result, elapsed } = await runAgainst('garbage', scenario(kind, '10s'))
    expect(result.status).toBe('failed')
    expect(result.failures[0]!.message).toMatch(/^no CONNACK: the server (sent bytes that are not a valid MQTT packet|closed the connection)/)
    expect(elapsed).toBeLessThan(3000)
  })

  it.each(['mqtt', 'raw'] as const)('resets the connection (%s client): failed, saying it was closed', async (kind) => {
    const { result, elapsed } = await runAgainst('reset', scenario(kind, '10s'))
    expect(result.status).toBe('failed')
    expect(result.failures[0]!.message).toMatch(/^no CONNACK: the server closed the connection/)
    expect(result.failures[0]!.trace!.some((t) => t.client === 'device' && t.dir === 'out' && t.summary.packet === 'connect')).toBe(true)
    expect(elapsed).toBeLessThan(3000)
  })

  it('nothing listening: the target is refused before any scenario runs (HX_TARGET_UNREACHABLE)', async () => {
    const port = await closedPort()
    const dir = tempDir({ 'target.yaml': `name: nobody\nmqtt: { url: 'mqtt://127.0.0.1:${port}' }\n` })
    await expect(resolveExternalTarget(join(dir, 'target.yaml'))).rejects.toThrow(TargetUnreachableError)
    await expect(resolveExternalTarget(join(dir, 'target.yaml'))).rejects.toThrow(new RegExp(`cannot reach mqtt://127.0.0.1:${port}: ECONNREFUSED`))
  })
})
