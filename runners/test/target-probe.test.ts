/**
 * The target probe: before any scenario, a real MQTT handshake with the
 * target's settings. A port that is no MQTT broker (an HTTP server, a server
 * that accepts and never answers) ends the run with exit 3 in seconds, saying
 * what came back; a target that goes away mid-run makes the rest errored
 * (exit 5), not failed. Real servers on 127.0.0.1 port 0.
 */
import http from 'node:http'
import net from 'node:net'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { EXIT, runReportSchema } from '../../spec/index.js'
import { TargetNotMqttError } from '../errors.js'
import { runScenarios } from '../run-scenarios.js'
import { startBundledTarget } from '../targets/bundled-target.js'
import { resolveExternalTarget } from '../targets/external-target.js'
import { scenariosFrom, tempDir } from './helpers.js'
import { runCli as cli } from '../../test/built-cli.js'




const stops: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop()
})

/** A real HTTP server: it answers an MQTT CONNECT with `HTTP/1.1 400 Bad Request` and closes. */
async function httpServer(): Promise<string> {
  const server = http.createServer((_, res) => res.end('ok'))
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  stops.push(() => new Promise((r) => { server.closeAllConnections(); server.close(r) }))
  return `127.0.0.1:${(server.address() as net.AddressInfo).port}`
}

/** A TCP server that accepts and never answers. */
async function silentServer(): Promise<string> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((s) => { sockets.add(s); s.on('error', () => {}) })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  stops.push(() => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(r) }))
  return `127.0.0.1:${(server.address() as net.AddressInfo).port}`
}

const SCENARIO = `id: round-trip
title: QoS 1 round trip
spec: [QOS-LEVELS-0-1]
clients:
  sub: { version: 5 }
  pub: { version: 5 }
steps:
  - connect: sub
  - subscribe: { client: sub, topic: '\${prefix}/t', qos: 1 }
  - connect: pub
  - publish: { client: pub, topic: '\${prefix}/t', payload: hi, qos: 1 }
  - expect: { client: sub, packet: publish, payload: hi, within: 2s }
`

describe('the target probe refuses a port that is no MQTT broker (exit 3, in seconds, saying what came back)', () => {
  it('an HTTP server: names its answer', async () => {
    const host = await httpServer()
    const dir = tempDir({ 's.yaml': SCENARIO, 'target.yaml': `name: web\nmqtt: { url: 'mqtt://${host}' }\n` })
    const r = await cli(['run', 's.yaml', '--target', 'target.yaml', '--reporter', 'json', '--out', 'out'], dir)
    expect(r.code, r.stderr).toBe(EXIT.TARGET_UNREACHABLE)
    expect(r.ms).toBeLessThan(10_000)
    expect(r.stderr).toMatch(/answered the MQTT CONNECT with 'HTTP\/1\.1 400 Bad Request'.*: not an MQTT broker\? \(HX_TARGET_NOT_MQTT\)/)
  })

  it('a server that accepts and never answers: no CONNACK within 5 s', async () => {
    const host = await silentServer()
    const dir = tempDir({ 's.yaml': SCENARIO, 'target.yaml': `name: silent\nmqtt: { url: 'mqtt://${host}' }\n` })
    const r = await cli(['run', 's.yaml', '--target', 'target.yaml', '--reporter', 'json', '--out', 'out'], dir)
    expect(r.code, r.stderr).toBe(EXIT.TARGET_UNREACHABLE)
    expect(r.ms).toBeGreaterThanOrEqual(4900)
    expect(r.ms).toBeLessThan(10_000)
    expect(r.stderr).toMatch(/sent no CONNACK within 5 s.*\(HX_TARGET_NOT_MQTT\)/)
  })

  it('invalid scenarios still win over a silent target (exit 2), the probe running meanwhile is let go', async () => {
    const host = await silentServer()
    const dir = tempDir({ 's.yaml': SCENARIO.replace('connect: pub', 'connect: ghost'), 'target.yaml': `name: silent\nmqtt: { url: 'mqtt://${host}' }\n` })
    const r = await cli(['run', 's.yaml', '--target', 'target.yaml', '--reporter', 'json', '--out', 'out'], dir)
    expect(r.code, r.stderr).toBe(EXIT.INVALID_INPUT)
    expect(r.stderr).toMatch(/client "ghost" is not declared/)
    expect(r.ms).toBeLessThan(10_000)
  })

  it('a declared HTTP data plane that is not HTTP (a silent port) is refused too', async () => {
    const broker = await startBundledTarget({ profile: 'aws-iot-core' })
    stops.push(() => broker.teardown())
    const host = await silentServer()
    const dir = tempDir({ 'target.yaml': `name: half\nmqtt: { url: '${broker.info.urls.mqtt}' }\nhttp: { url: 'http://${host}' }\n` })
    const started = Date.now()
    await expect(resolveExternalTarget(join(dir, 'target.yaml'))).rejects.toThrow(TargetNotMqttError)
    expect(Date.now() - started).toBeLessThan(7000)
  })

  it('the trace of a scenario run without the probe shows the raw answer and the close as events', async () => {
    const host = await httpServer()
    const dir = tempDir({ 'target.yaml': `name: web\nmqtt: { url: 'mqtt://${host}' }\n` })
    const target = await resolveExternalTarget(join(dir, 'target.yaml'), { probe: false })
    for (const kind of ['mqtt', 'raw']) {
      const text = `id: t\ntitle: t\nspec: [QOS-LEVELS-0-1]\nclients:\n  d: { kind: ${kind}, version: 5 }\nsteps:\n  - connect: d\n`
      const report = await runScenarios(scenariosFrom(text, target.limits), target)
      const trace = report.scenarios[0]!.failures[0]!.trace!
      expect(trace.some((e) => e.dir === 'event' && e.summary.event === 'protocol-error' && e.summary.received === 'HTTP/1.1 400 Bad Request'), `${kind}: ${JSON.stringify(trace)}`).toBe(true)
      expect(trace.some((e) => e.dir === "event" && e.summary.event === "closed"), `${kind}: ${JSON.stringify(trace)}`).toBe(true)
    }
  })
})

describe('a target that goes away mid-run', () => {
  it('makes the scenario that met it and every later one errored, not failed (exit 5)', async () => {
    const broker = await startBundledTarget({ profile: 'aws-iot-core' })
    let stopped = false
    stops.push(() => (stopped ? Promise.resolve() : broker.teardown()))
    const dir = tempDir({ 'target.yaml': `name: leaving\nmqtt: { url: '${broker.info.urls.mqtt}' }\n` })
    const target = await resolveExternalTarget(join(dir, 'target.yaml'))
    const scenarios = [0, 1, 2].flatMap((i) => scenariosFrom(SCENARIO.replace('id: round-trip', `id: round-trip-${i}`), target.limits))
    const report = await runScenarios(scenarios, target, {
      concurrency: 1,
      // The broker stops once the first scenario is done.
      reporters: [{ onScenarioEnd: async () => { if (!stopped) { stopped = true; await broker.teardown() } } }],
    })
    expect(report.scenarios.map((s) => s.status)).toEqual(['passed', 'errored', 'errored'])
    expect(report.scenarios[1]!.failures[0]!.message).toMatch(/^the target went away during the run: cannot reach mqtt:\/\/127\.0\.0\.1:\d+: ECONNREFUSED.*\(HX_TARGET_GONE\)$/)
    expect(report.scenarios[2]!.failures[0]!.message).toMatch(/^not run: the target went away/)
    expect(report.scenarios[2]!.verdicts).toEqual({ 'QOS-LEVELS-0-1': 'errored' })
    expect(report.requirements.find((r) => r.id === 'QOS-LEVELS-0-1')!.status).toBe('errored')
    expect(runReportSchema.safeParse(report).success).toBe(true)
  })
})

