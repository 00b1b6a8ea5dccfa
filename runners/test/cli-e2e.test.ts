import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { EXIT, runReportSchema, type RunReport } from '../../spec/index.js'
import { closedPort, startFakeBroker, tempDir } from './helpers.js'

import { ensureBuilt, runCli as cli } from '../../test/built-cli.js'


const root = fileURLToPath(new URL('../../', import.meta.url))


function readJsonReport(dir: string): RunReport {
  const parsed = runReportSchema.safeParse(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')))
  if (!parsed.success) throw new Error(`report.json does not match the schema: ${parsed.error.message}`)
  return parsed.data
}

const PASSING = `id: e2e-round-trip
title: QoS 1 round trip
spec: [QOS-LEVELS-0-1]
matrix: { version: ['3.1.1', 5] }
clients:
  sub: { version: '\${matrix.version}' }
  pub: { version: 5 }
steps:
  - connect: sub
  - connect: pub
  - subscribe: { client: sub, topic: '\${prefix}/t', qos: 1 }
  - publish: { client: pub, topic: '\${prefix}/t', payload: hi, qos: 1 }
  - expect: { client: sub, packet: publish, payload: hi, qos: 1, within: 2s }
`
const FAILING = `id: e2e-wrong-connack
title: Expects a Topic Alias Maximum the broker does not advertise
spec: [M5-CONNACK-PROPERTIES]
clients:
  device: { version: 5 }
steps:
  - connect:
      client: device
      expect: { properties: { topicAliasMaximum: '\${limits.topicAliasMaximum + 1}' } }
`

beforeAll(async () => {
  // The e2e tests run the real CLI from dist/: built by pretest, or here when a source is newer.
  await ensureBuilt()
  expect(existsSync(join(root, 'dist', 'runners', 'run-command.js'))).toBe(true)
}, 180_000)

describe('mqtt-harness run (built CLI, real sockets)', () => {
  it('runs inline scenarios on the bundled broker, writes report.json and exits 1 on a failure', async () => {
    const dir = tempDir({ 'round-trip.yaml': PASSING, 'wrong-connack.yaml': FAILING })
    const r = await cli(['run', '.', '--reporter', 'json,console', '--out', 'out'], dir)
    expect(r.code, r.stderr).toBe(EXIT.FAILED)
    const report = readJsonReport(join(dir, 'out'))
    expect(report.target).toMatchObject({ kind: 'bundled', profile: 'aws-iot-core' })
    expect(report.summary).toEqual({ total: 3, passed: 2, failed: 1, errored: 0, skipped: 0, waived: 0, flaky: 0 })
    expect(report.scenarios.map((s) => [s.id, s.status])).toEqual([
      ['e2e-round-trip[version=3.1.1]', 'passed'],
      ['e2e-round-trip[version=5]', 'passed'],
      ['e2e-wrong-connack', 'failed'],
    ])
    const failure = report.scenarios[2]!.failures[0]!
    expect(failure.location).toEqual({ file: 'wrong-connack.yaml', line: 7, col: 5 })
    expect(failure.message).toBe('CONNACK for device did not match: properties.topicAliasMaximum: expected 9, got 8')
    expect(report.requirements.find((q) => q.id === 'M5-CONNACK-PROPERTIES')).toMatchObject({ status: 'failed', scenarios: ['e2e-wrong-connack'] })
    // The shipped corpus checks it, but no chosen file does: not-selected (untested is for what no scenario checks).
    expect(report.requirements.find((q) => q.id === 'RET-EXACT-MATCH')).toMatchObject({ status: 'not-selected' })
    expect(r.stdout).toMatch(/e2e-wrong-connack/)
  })

  it('a second run with fewer formats leaves only its own reports, and never a file this tool did not write', async () => {
    const dir = tempDir({ 'round-trip.yaml': PASSING, 'out/keep-me.txt': 'mine' })
    const first = await cli(['run', '.', '--reporter', 'json,junit,markdown,html', '--out', 'out'], dir)
    expect(first.code, first.stderr).toBe(EXIT.PASSED)
    expect(readdirSync(join(dir, 'out')).sort()).toEqual(['junit.xml', 'keep-me.txt', 'report.html', 'report.json', 'summary.md'])
    const second = await cli(['run', '.', '--reporter', 'json,console', '--quiet', '--out', 'out'], dir)
    expect(second.code, second.stderr).toBe(EXIT.PASSED)
    expect(readdirSync(join(dir, 'out')).sort()).toEqual(['keep-me.txt', 'report.json'])
    // --quiet: no line per scenario, no header; the summary and the version.
    expect(second.stdout).not.toMatch(/✓ e2e-round-trip/)
    expect(second.stdout).toMatch(/Scenarios: +2 passed, 0 failed, 0 errored, 0 skipped, 0 waived \(2 total\) in .* · mqtt-harness \d+\.\d+\.\d+/)
    expect(readJsonReport(join(dir, 'out')).tool.version).toBe(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version)
  })

  it('--version, -V and version print the package version', async () => {
    const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version as string
    for (const args of [['--version'], ['-V'], ['version']]) {
      const r = await cli(args, root)
      expect(r.code, args.join(' ')).toBe(0)
      expect(r.stdout.trim()).toBe(version)
    }
  })

  it('--tag selects nothing: a usage error naming the filter; --bail with --max-failures is refused', async () => {
    const dir = tempDir({ 'round-trip.yaml': PASSING })
    const r = await cli(['run', '.', '--tag', 'nope', '--reporter', 'json', '--out', 'out'], dir)
    expect(r.code).toBe(EXIT.INVALID_INPUT)
    expect(r.stderr).toMatch(/no scenario matches --tag nope/)
    const both = await cli(['run', '.', '--bail', '--max-failures', '2', '--reporter', 'json', '--out', 'out'], dir)
    expect(both.code).toBe(EXIT.INVALID_INPUT)
    expect(both.stderr).toMatch(/--bail or --max-failures, not both/)
    const retries = await cli(['run', '.', '--retries', 'x', '--reporter', 'json', '--out', 'out'], dir)
    expect(retries.code).toBe(EXIT.INVALID_INPUT)
    expect(retries.stderr).toMatch(/--retries takes a whole number/)
  })

  it('exits 0 when everything selected passes (--grep, --shard)', async () => {
    const dir = tempDir({ 'round-trip.yaml': PASSING, 'wrong-connack.yaml': FAILING })
    const r = await cli(['run', '.', '--grep', 'round-trip', '--shard', '2/2', '--reporter', 'json', '--out', 'out'], dir)
    expect(r.code, r.stderr).toBe(EXIT.PASSED)
    const report = readJsonReport(join(dir, 'out'))
    expect(report.shard).toEqual({ index: 2, total: 2 })
    expect(report.scenarios.map((s) => s.id)).toEqual(['e2e-round-trip[version=5]'])
  })

  it('exits 2 listing every problem with file:line:col before anything runs', async () => {
    const dir = tempDir({
      'a.yaml': PASSING.replace('  - connect: pub\n', '  - connect: pub\n    wait: { duration: 1s, reason: two keys }\n'),
      'b.yaml': FAILING.replace('client: device', 'client: ghost'),
    })
    const r = await cli(['run', '.', '--reporter', 'json', '--out', 'out'], dir)
    expect(r.code).toBe(EXIT.INVALID_INPUT)
    expect(r.stderr).toContain('a.yaml:10:5 steps[1]: a step has exactly one key (the step kind), found 2: connect, wait')
    expect(r.stderr).toContain('b.yaml:8:15 steps[0].connect.client: client "ghost" is not declared under clients: (declared: device)')
    expect(r.stderr).toMatch(/2 problems in scenario files; nothing was run \(HX_SCENARIO_INVALID\)/)
    expect(r.stderr).not.toMatch(/\n\s+at /)
    expect(existsSync(join(dir, 'out', 'report.json'))).toBe(false)
  })

  it('exits 3 when the target does not answer', async () => {
    const port = await closedPort()
    const dir = tempDir({ 'round-trip.yaml': PASSING, 'target.yaml': `name: nobody\nmqtt: { url: 'mqtt://127.0.0.1:${port}' }\n` })
    const r = await cli(['run', 'round-trip.yaml', '--target', 'target.yaml', '--reporter', 'json', '--out', 'out'], dir)
    expect(r.code).toBe(EXIT.TARGET_UNREACHABLE)
    expect(r.stderr).toMatch(/cannot reach mqtt:\/\/127\.0\.0\.1:\d+: ECONNREFUSED \(HX_TARGET_UNREACHABLE\)/)
  })

  it('exits 5 when a scenario errors (a broker that never answers outlives the scenario deadline)', async () => {
    const fake = await startFakeBroker('silent', { answerProbe: true })
    try {
      const dir = tempDir({
        'stuck.yaml': FAILING.replace('clients:', 'timeout: 1s\nclients:').replace('client: device\n', 'client: device\n      within: 10s\n'),
        'target.yaml': `name: silent\nmqtt: { url: '${fake.url}' }\n`,
      })
      const started = Date.now()
      const r = await cli(['run', 'stuck.yaml', '--target', 'target.yaml', '--reporter', 'json', '--out', 'out'], dir)
      expect(r.code, r.stderr).toBe(EXIT.ERRORED)
      expect(Date.now() - started).toBeLessThan(15_000)
      const report = readJsonReport(join(dir, 'out'))
      expect(report.target).toMatchObject({ kind: 'external', name: 'silent' })
      expect(report.scenarios[0]!.failures[0]!.message).toMatch(/timeout of 1000 ms \(step 0 `connect` at stuck.yaml:8 was running\)/)
    } finally {
      await fake.close()
    }
  })

  it('exits 2 on a bad command line or target file, without a stack trace', async () => {
    const dir = tempDir({ 'round-trip.yaml': PASSING, 'target.yaml': 'name: t\nmqtt: { url: nowhere }\n' })
    const shard = await cli(['run', '.', '--shard', '3/2'], dir)
    expect(shard.code).toBe(EXIT.INVALID_INPUT)
    expect(shard.stderr).toMatch(/--shard takes i\/n .* \(HX_CLI_USAGE\)/)
    const target = await cli(['run', '.', '--target', 'target.yaml'], dir)
    expect(target.code).toBe(EXIT.INVALID_INPUT)
    expect(target.stderr).toMatch(/target.yaml:2:14 mqtt.url: expected a URL starting with mqtt:\/\/ or tcp:\/\/ \(HX_TARGET_INVALID\)/)
    expect(target.stderr).not.toMatch(/\n\s+at /)
  })
})

describe('mqtt-harness validate and list', () => {
  it('validate exits 0 for valid files and 2 with every problem', async () => {
    const ok = await cli(['validate', '.'], tempDir({ 'a.yaml': PASSING }))
    expect(ok.code).toBe(EXIT.PASSED)
    expect(ok.stdout).toBe('1 file, 1 scenario (2 with matrix cells): valid\n')
    const bad = await cli(['validate', '.'], tempDir({ 'a.yaml': PASSING.replace('within: 2s', 'within: 2 seconds') }))
    expect(bad.code).toBe(EXIT.INVALID_INPUT)
    expect(bad.stderr).toContain('a.yaml:13:74 steps[4].expect.within: expected a duration like 500ms, 2s, 1.5s, 1m or a number of milliseconds')
  })

  it('list shows scenarios and requirement coverage', async () => {
    const r = await cli(['list', '.', '--json'], tempDir({ 'a.yaml': PASSING, 'b.yaml': FAILING }))
    expect(r.code).toBe(EXIT.PASSED)
    const out = JSON.parse(r.stdout) as { scenarios: { id: string; cells: string[] }[]; requirements: { id: string; scenarios: string[] }[] }
    expect(out.scenarios.map((s) => [s.id, s.cells.length])).toEqual([['e2e-round-trip', 2], ['e2e-wrong-connack', 1]])
    expect(out.requirements.find((q) => q.id === 'QOS-LEVELS-0-1')?.scenarios).toEqual(['e2e-round-trip'])
    expect(out.requirements.length).toBeGreaterThan(100)
    const text = await cli(['list', '.'], tempDir({ 'a.yaml': PASSING }))
    expect(text.stdout).toMatch(/Requirements \(1 of \d+ covered\):/)
    expect(text.stdout).toMatch(/✓ QOS-LEVELS-0-1 {2}e2e-round-trip/)
  })
})
