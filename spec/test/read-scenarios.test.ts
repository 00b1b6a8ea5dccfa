import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createStepDefinitionRegistry, parseScenarioText, readScenarios, type SourceIssue } from '../index.js'

const limits = { topicAliasMaximum: 8, receiveMaximum: 100, replayRatePerSecond: 10 }
const opts = { limits, registry: createStepDefinitionRegistry() }

/** A valid scenario; tests replace lines to break it. */
const VALID = `id: sample
title: Sample
spec: [QOS-LEVELS-0-1]
clients:
  sub: { version: 5 }
  pub: { version: '3.1.1' }
steps:
  - connect: sub
  - connect: pub
  - subscribe: { client: sub, topic: '\${prefix}/t', qos: 1 }
  - publish: { client: pub, topic: '\${prefix}/t', payload: hi, qos: 1 }
  - expect: { client: sub, packet: publish, topic: '\${prefix}/t', within: 2s }
`

function issuesOf(text: string): SourceIssue[] {
  const r = parseScenarioText(text, 'case.yaml', opts)
  return r.issues
}

describe('parseScenarioText: valid documents', () => {
  it('loads steps with parsed arguments, locations and implied capabilities', () => {
    const r = parseScenarioText(VALID, 'ok.yaml', opts)
    expect(r.issues).toEqual([])
    const [s] = r.scenarios
    expect(s!.id).toBe('sample')
    expect(s!.requires.sort()).toEqual(['mqtt-3.1.1', 'mqtt-5'])
    expect(s!.timeoutMs).toBe(30_000)
    expect(s!.steps.map((x) => x.kind)).toEqual(['connect', 'connect', 'subscribe', 'publish', 'expect'])
    expect(s!.steps[4]!.args).toMatchObject({ client: 'sub', packet: 'publish', within: 2000 })
    expect(s!.steps[4]!.location).toEqual({ file: 'ok.yaml', line: 12, col: 5 })
    // Runtime variables stay for the runner.
    expect(s!.steps[2]!.args).toMatchObject({ topic: '${prefix}/t' })
  })

  it('expands a matrix into cells with typed variables and cell ids', () => {
    const text = VALID.replace('spec: [QOS-LEVELS-0-1]', "spec: [QOS-LEVELS-0-1]\nmatrix: { version: ['3.1.1', 5], qos: [0, 1] }")
      .replace("sub: { version: 5 }", "sub: { version: '${matrix.version}' }")
      .replace("qos: 1 }\n  - expect", "qos: '${matrix.qos}' }\n  - expect")
    const r = parseScenarioText(text, 'm.yaml', opts)
    expect(r.issues).toEqual([])
    expect(r.scenarios.map((s) => s.id)).toEqual(['sample[version=3.1.1,qos=0]', 'sample[version=3.1.1,qos=1]', 'sample[version=5,qos=0]', 'sample[version=5,qos=1]'])
    expect(r.scenarios[3]!.clients.sub!.version).toBe(5)
    expect(r.scenarios[0]!.clients.sub!.version).toBe(4)
    expect(r.scenarios[1]!.steps[3]!.args).toMatchObject({ qos: 1 })
    expect(r.scenarios[1]!.matrix).toEqual({ version: '3.1.1', qos: 1 })
  })

  it('substitutes ${limits.*} with arithmetic', () => {
    const text = VALID.replace("payload: hi, qos: 1 }", "payload: hi, qos: 1, count: '${limits.topicAliasMaximum + 1}' }")
    const r = parseScenarioText(text, 'l.yaml', opts)
    expect(r.issues).toEqual([])
    expect(r.scenarios[0]!.steps[3]!.args).toMatchObject({ count: 9 })
  })
})

describe('parseScenarioText: every invalid class names file:line:col and the path', () => {
  it('unknown step kind, with a suggestion', () => {
    const issues = issuesOf(VALID.replace('  - connect: pub', '  - conect: pub'))
    expect(issues).toHaveLength(1)
    expect(issues[0]).toMatchObject({ file: 'case.yaml', line: 9, col: 5, path: 'steps[1].conect' })
    expect(issues[0]!.message).toMatch(/unknown step "conect" \(did you mean connect\?\)/)
  })

  it('two keys in one step', () => {
    const issues = issuesOf(VALID.replace('  - connect: pub\n', '  - connect: pub\n    wait: { duration: 1s, reason: because }\n'))
    expect(issues).toHaveLength(1)
    expect(issues[0]).toMatchObject({ line: 9, col: 5, path: 'steps[1]' })
    expect(issues[0]!.message).toMatch(/exactly one key .* found 2: connect, wait/)
  })

  it('wrong type, at the value', () => {
    const issues = issuesOf(VALID.replace('within: 2s', 'within: soon'))
    expect(issues).toHaveLength(1)
    expect(issues[0]).toMatchObject({ line: 12, col: 75, path: 'steps[4].expect.within' })
    expect(issues[0]!.message).toMatch(/duration like 500ms/)
  })

  it('unknown key, at the key', () => {
    const issues = issuesOf(VALID.replace('packet: publish,', 'packet: publish, topik: x,'))
    expect(issues).toHaveLength(1)
    expect(issues[0]).toMatchObject({ line: 12, col: 45, path: 'steps[4].expect.topik', message: 'unknown key "topik"' })
  })

  it('client referenced but not declared', () => {
    const issues = issuesOf(VALID.replace("subscribe: { client: sub", "subscribe: { client: ghost"))
    expect(issues).toHaveLength(1)
    expect(issues[0]).toMatchObject({ line: 10, col: 26, path: 'steps[2].subscribe.client' })
    expect(issues[0]!.message).toMatch(/client "ghost" is not declared.*sub, pub/)
  })

  it('bad YAML', () => {
    const issues = issuesOf(VALID.replace("- connect: pub", "- connect: [pub"))
    expect(issues.length).toBeGreaterThan(0)
    expect(issues[0]).toMatchObject({ file: 'case.yaml', path: '' })
    expect(issues[0]!.line).toBeGreaterThanOrEqual(9)
    expect(issues[0]!.message).toMatch(/^invalid YAML/)
  })

  it('unknown variables and raw-only steps', () => {
    const issues = issuesOf(VALID
      .replace("topic: '${prefix}/t', payload", "topic: '${limits.nope}/t', payload")
      .replace('  - connect: pub\n', "  - connect: pub\n  - send: { client: pub, bytes: 'e000' }\n"))
    expect(issues.map((i) => [i.path, i.line])).toEqual([['steps[2].send.client', 10], ['steps[4].publish.topic', 12]])
    expect(issues[0]!.message).toMatch(/needs a raw client/)
    expect(issues[1]!.message).toMatch(/unknown limit "nope"/)
  })

  it('${repeat(TEXT, COUNT)} expands at load time; misuse is reported at its file:line:col', () => {
    const r = parseScenarioText(VALID.replace("topic: '${prefix}/t', payload", "topic: '${prefix}/${repeat(ab, 3)}-${repeat(x, limits.topicAliasMaximum - 2)}', payload"), 'ok.yaml', opts)
    expect(r.issues).toEqual([])
    expect(r.scenarios[0]!.steps[3]!.args).toMatchObject({ topic: '${prefix}/ababab-xxxxxx' })
    const bad = (call: string) => issuesOf(VALID.replace("topic: '${prefix}/t', payload", `topic: '\${${call}}', payload`))
    for (const [call, message] of [
      ['repeat(a)', /malformed \$\{repeat\(a\)\}: expected \$\{repeat\(TEXT, COUNT\)\}/],
      ['repeat(a b, 2)', /malformed/],
      ['repeat(a, -1)', /COUNT "-1" is neither an integer nor a variable/],
      ['repeat(a, limits.nope)', /unknown limit "nope"/],
      ['repeat(a, 99999999)', /more than 16777216/],
      ['repeat(a, prefix)', undefined],
    ] as const) {
      const issues = bad(call)
      if (!message) { expect(issues).toEqual([]); continue }
      expect(issues, call).toHaveLength(1)
      expect(issues[0], call).toMatchObject({ file: 'case.yaml', line: 11, col: 36, path: 'steps[3].publish.topic' })
      expect(issues[0]!.message, call).toMatch(message)
    }
  })

  it('WebSocket frame options and expect-handshake need a raw client over WebSocket; ws clients imply websocket', () => {
    const base = VALID.replace("  pub: { version: '3.1.1' }\n", "  pub: { version: '3.1.1' }\n  rawTcp: { kind: raw }\n  rawWs: { kind: raw, transport: ws }\n")
    const steps = [
      "  - send: { client: rawTcp, bytes: 'c000', frames: 2, frameType: text }",
      "  - expect-handshake: { client: rawTcp, subprotocol: mqtt }",
      "  - expect-handshake: { client: sub, subprotocol: mqtt }",
      "  - send: { client: rawWs, bytes: 'c000c000', frames: [1, 2] }",
      "  - send: { client: rawWs, packet: { cmd: pingreq }, frames: 2, frameType: text }",
      "  - expect-handshake: { client: rawWs, subprotocol: false }",
    ]
    const issues = issuesOf(base + steps.join('\n') + '\n')
    expect(issues.map((i) => [i.path, i.message])).toEqual([
      ['steps[5].send.frames', 'frames chooses WebSocket frames; declare "rawTcp" with transport: ws'],
      ['steps[5].send.frameType', 'frameType chooses WebSocket frames; declare "rawTcp" with transport: ws'],
      ['steps[6].expect-handshake.client', 'expect-handshake needs a raw WebSocket client; declare "rawTcp" with kind: raw, transport: ws'],
      ['steps[7].expect-handshake.client', 'expect-handshake needs a raw WebSocket client; declare "sub" with kind: raw, transport: ws'],
    ])
    const bad = issuesOf(base + "  - send: { client: rawWs, bytes: 'c000', frames: 0, frameType: json }\n")
    expect(bad.map((i) => i.path).sort()).toEqual(['steps[5].send.frameType', 'steps[5].send.frames'])
    const ok = parseScenarioText(base + steps.slice(3).join('\n') + '\n', 'ws.yaml', opts)
    expect(ok.issues).toEqual([])
    expect(ok.scenarios[0]!.requires).toContain('websocket')
  })

  it('takes wire (the encoding rules a frame breaks) on raw clients only, with known rule names', () => {
    const issues = issuesOf(VALID.replace('within: 2s', "wire: [], within: 2s"))
    expect(issues.map((i) => i.path)).toEqual(['steps[4].expect.client'])
    expect(issues[0]!.message).toMatch(/raw clients only/)
    expect(issuesOf(VALID.replace('within: 2s', "wire: [padded], within: 2s")).map((i) => i.message).join('\n')).toMatch(/unknown encoding rule "padded"/)
  })

  it('type-checks expectation patterns against the packet field (validate catches what would never match)', () => {
    const issues = issuesOf(VALID.replace('within: 2s', "qos: one, retain: yes, payload: 42, within: 2s"))
    expect(issues.map((i) => [i.path, i.message])).toEqual([
      ['steps[4].expect.qos', 'qos is a whole number; "one" can never match'],
      ['steps[4].expect.retain', 'retain is true, false, 1 or 0; "yes" can never match'],
      ['steps[4].expect.payload', "payload is text (quote it, e.g. '42'); 42 can never match"],
    ])
    const matchers = issuesOf(VALID.replace('within: 2s', "qos: { oneOf: [0, high] }, payload: { gte: 3 }, within: 2s"))
    expect(matchers.map((i) => i.path)).toEqual(['steps[4].expect.qos.oneOf[1]', 'steps[4].expect.payload.gte'])
    // Acknowledgement subsets too; run-time variables and matchers of the right kind pass.
    expect(issuesOf(VALID.replace("subscribe: { client: sub, topic: '${prefix}/t'", "subscribe: { client: sub, expect: { reasonCodes: [granted] }, topic: '${prefix}/t'")).map((i) => i.path))
      .toEqual(['steps[2].subscribe.expect.reasonCodes[0]'])
    expect(issuesOf(VALID.replace('within: 2s', "qos: { gte: 0, lte: 1 }, messageId: '${vars.id}', retain: 0, within: 2s"))).toEqual([])
  })

  it('collects every problem of a file in one pass, sorted by position', () => {
    const broken = VALID
      .replace('title: Sample\n', '')
      .replace('  - connect: pub', '  - conect: pub')
      .replace('within: 2s', 'within: soon')
      .replace("subscribe: { client: sub", "subscribe: { client: ghost")
    const issues = issuesOf(broken)
    expect(issues.map((i) => i.path)).toEqual(['title', 'steps[1].conect', 'steps[2].subscribe.client', 'steps[4].expect.within'])
    // A missing key points at the mapping that lacks it.
    expect(issues[0]).toMatchObject({ line: 1, col: 1, message: 'missing required key "title" (string)' })
    const lines = issues.map((i) => i.line)
    expect([...lines].sort((a, b) => a - b)).toEqual(lines)
  })
})

describe('readScenarios: files and folders', () => {
  it('reports errors of every file, duplicate ids and missing paths together', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hx-spec-'))
    mkdirSync(join(dir, 'a'))
    mkdirSync(join(dir, 'load'))
    writeFileSync(join(dir, 'a', 'one.yaml'), VALID)
    writeFileSync(join(dir, 'a', 'two.yaml'), VALID)
    writeFileSync(join(dir, 'bad.yml'), VALID.replace('within: 2s', 'within: -1'))
    writeFileSync(join(dir, 'load', 'ignored.yaml'), 'not: a scenario\n')
    writeFileSync(join(dir, 'notes.txt'), 'ignored')
    const r = await readScenarios(['.', 'missing.yaml'], { limits, cwd: dir, excludeDirs: ['load'] })
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.files.sort()).toEqual(['a/one.yaml', 'a/two.yaml', 'bad.yml'])
    const summary = r.errors.map((e) => `${e.file}:${e.line}:${e.col} ${e.path}`)
    expect(summary).toContain('missing.yaml:1:1 ')
    expect(summary).toContain('a/two.yaml:1:5 id')
    expect(summary).toContain('bad.yml:12:75 steps[4].expect.within')
    expect(r.errors.find((e) => e.file === 'a/two.yaml')!.message).toMatch(/duplicate scenario id "sample" \(first in a\/one.yaml:1:5\)/)
  })

  it('checks spec ids against the catalogue when given', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hx-spec-'))
    writeFileSync(join(dir, 's.yaml'), VALID.replace('QOS-LEVELS-0-1', 'QOS-LEVELS-0-2'))
    const r = await readScenarios(['s.yaml'], { limits, cwd: dir, knownRequirements: new Set(['QOS-LEVELS-0-1']) })
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.errors[0]).toMatchObject({ line: 3, col: 8, path: 'spec[0]', message: '"QOS-LEVELS-0-2" is not a catalogue id (did you mean QOS-LEVELS-0-1?)' })
  })
})
