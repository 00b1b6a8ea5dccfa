/**
 * A user's own requirement catalogue (`--catalogue FILE`, or `catalogue:` in a
 * target file): scenarios may name its ids, reports show it apart, and a run
 * of a subset says `not-selected` for the requirements it did not run.
 * Through the built CLI against the bundled broker.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { EXIT, runReportSchema, type RunReport } from '../../spec/index.js'
import { tempDir } from './helpers.js'
import { ROOT, runCli as cli } from '../../test/built-cli.js'




const report = (dir: string): RunReport => runReportSchema.parse(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')))

const CATALOGUE = `name: acme-gateway
requirements:
  - id: ACME-ECHO
    statement: A message published on the echo topic reaches its subscriber.
    source: ACME spec 4.2
  - id: ACME-QUIET
    statement: Nothing arrives on a topic nobody published to.
  - id: ACME-FIRMWARE-SIGNED
    statement: Firmware images are signed.
    untestedReason: not observable on the wire
`
const scenario = (id: string, req: string, steps: string) => `id: ${id}\ntitle: ${id}\nspec: [${req}]\nclients:\n  a: { version: 5 }\nsteps:\n  - connect: a\n${steps}`
const ECHO = scenario('echo', 'ACME-ECHO', "  - subscribe: { client: a, topic: '${prefix}/echo', qos: 1 }\n  - publish: { client: a, topic: '${prefix}/echo', payload: hi, qos: 1 }\n  - expect: { client: a, packet: publish, payload: hi, within: 2s }\n")
const QUIET = scenario('quiet', 'ACME-QUIET', "  - subscribe: { client: a, topic: '${prefix}/quiet', qos: 1 }\n  - expect-nothing: { client: a, packet: publish, within: 100ms }\n")

describe('user catalogues', () => {
  it('--catalogue adds ids scenarios may name; the report keeps them apart; --grep says not-selected for the rest', async () => {
    const dir = tempDir({ 'acme.yaml': CATALOGUE, 'echo.yaml': ECHO, 'quiet.yaml': QUIET })
    const r = await cli(['run', 'echo.yaml', 'quiet.yaml', '--catalogue', 'acme.yaml', '--grep', 'echo', '--reporter', 'json,markdown,console', '--out', 'out'], dir)
    expect(r.code, r.stderr).toBe(EXIT.PASSED)
    const reqs = new Map(report(join(dir, 'out')).requirements.map((q) => [q.id, q]))
    expect(reqs.get('ACME-ECHO')).toMatchObject({ status: 'passed', catalogue: 'acme-gateway', scenarios: ['echo'] })
    expect(reqs.get('ACME-QUIET')).toMatchObject({ status: 'not-selected', catalogue: 'acme-gateway' })
    expect(reqs.get('ACME-FIRMWARE-SIGNED')).toMatchObject({ status: 'not-selected', reason: 'not observable on the wire' })
    // The built-in catalogue is not reported as untested noise in a --grep run.
    expect(reqs.get('RET-SUPPORTED')!.status).toBe('not-selected')
    expect(reqs.get('RET-SUPPORTED')!.catalogue).toBeUndefined()
    const md = readFileSync(join(dir, 'out', 'summary.md'), 'utf8')
    expect(md).toMatch(/### Requirements — catalogue acme-gateway \(3: 2 not-selected, 1 passed\)/)
    expect(r.stdout).toMatch(/Requirements \(acme-gateway\): 1 passed, 2 not-selected \(3 total\)/)
  })

  it('a run of all the given files says untested only for what no scenario checks; a built-in requirement the shipped corpus checks is not-selected', async () => {
    const dir = tempDir({ 'acme.yaml': CATALOGUE, 'echo.yaml': ECHO, 'quiet.yaml': QUIET })
    const r = await cli(['run', 'echo.yaml', 'quiet.yaml', '--catalogue', 'acme.yaml', '--reporter', 'json', '--out', 'out'], dir)
    expect(r.code, r.stderr).toBe(EXIT.PASSED)
    const reqs = new Map(report(join(dir, 'out')).requirements.map((q) => [q.id, q.status]))
    expect([reqs.get('ACME-ECHO'), reqs.get('ACME-QUIET'), reqs.get('ACME-FIRMWARE-SIGNED'), reqs.get('RET-SUPPORTED')]).toEqual(['passed', 'passed', 'untested', 'not-selected'])
    // No scenario anywhere checks DM-AUTH-MODES (docs/coverage.md): untested, whatever was chosen.
    expect(reqs.get('DM-AUTH-MODES')).toBe('untested')
  })

  it('a path chosen inside the corpus: what other folders check is not-selected, what nothing checks is untested', async () => {
    const out = tempDir({})
    const r = await cli(['run', 'scenarios/retained', '--reporter', 'json', '--out', out], ROOT)
    expect(r.code, r.stderr).toBe(EXIT.PASSED)
    const reqs = new Map(report(out).requirements.map((q) => [q.id, q.status]))
    expect(reqs.get('RET-EXACT-MATCH')).toBe('passed')
    expect(reqs.get('CID-TAKEOVER')).toBe('not-selected')
    expect(reqs.get('DM-AUTH-MODES')).toBe('untested')
  })

  it('an id outside every catalogue, or a bad catalogue file, is invalid input (exit 2)', async () => {
    const dir = tempDir({ 'acme.yaml': CATALOGUE, 'bad.yaml': 'name: bad\nrequirements:\n  - id: RET-SUPPORTED\n    statement: borrowed\n  - id: ACME-TWICE\n    statement: x\n  - id: ACME-TWICE\n    statement: y\n', 'worse.yaml': 'name: worse\nrequirements:\n  - id: lower-case\n    statement: x\n', 'echo.yaml': ECHO })
    const without = await cli(['validate', 'echo.yaml'], dir)
    expect(without.code).toBe(EXIT.INVALID_INPUT)
    expect(without.stderr).toMatch(/echo\.yaml:3:\d+ spec\[0\]: "ACME-ECHO" is not a catalogue id/)
    expect((await cli(['validate', 'echo.yaml', '--catalogue', 'acme.yaml'], dir)).code).toBe(EXIT.PASSED)
    const bad = await cli(['validate', 'echo.yaml', '--catalogue', 'bad.yaml'], dir)
    expect(bad.code).toBe(EXIT.INVALID_INPUT)
    expect(bad.stderr).toMatch(/bad\.yaml:3:\d+ requirements\[0\]\.id: RET-SUPPORTED is a built-in catalogue id/)
    expect(bad.stderr).toMatch(/bad\.yaml:7:\d+ requirements\[2\]\.id: ACME-TWICE is listed twice in bad\.yaml/)
    const worse = await cli(['validate', 'echo.yaml', '--catalogue', 'worse.yaml'], dir)
    expect(worse.code).toBe(EXIT.INVALID_INPUT)
    expect(worse.stderr).toMatch(/worse\.yaml:3:\d+ requirements\[0\]\.id: expected an id like ACME-TELEMETRY-ECHO/)
  })
})
