/**
 * Requirement attribution against the bundled broker: a requirement's verdict
 * comes only from the steps that check it. A failing set-up step makes the
 * scenario inconclusive for its requirements (not failed); an aspect that
 * fails does not turn another aspect of the same scenario red; a requirement
 * checked fully elsewhere is decided there. Every report format shows it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { diffReports, renderConsoleSummary, renderDiffText, renderHtmlReport, renderJunitReport, renderMarkdownReport, resolveRequirements } from '../../reports/index.js'
import { createStepDefinitionRegistry, parseScenarioText, runReportSchema, type RunReport } from '../../spec/index.js'
import { runScenarios } from '../run-scenarios.js'
import { startBundledTarget } from '../targets/bundled-target.js'
import type { ResolvedTarget } from '../targets/resolved-target.js'
import { scenariosFrom } from './helpers.js'

let target: ResolvedTarget
beforeAll(async () => { target = await startBundledTarget() })
afterAll(async () => { await target.teardown() })

async function run(text: string): Promise<RunReport> {
  const report = await runScenarios(scenariosFrom(text, target.limits), target)
  expect(runReportSchema.safeParse(report).success).toBe(true)
  return report
}

const clients = `clients:
  sub: { version: 5 }
  pub: { version: 5 }
`
const roundTrip = (payload: string) => `  - connect: sub
  - connect: pub
  - subscribe: { client: sub, topic: '\${prefix}/t', qos: 1 }
  - publish: { client: pub, topic: '\${prefix}/t', payload: ${payload}, qos: 1 }
`

describe('requirement verdicts come only from the steps that check them', () => {
  it('a failing set-up step makes the scenario inconclusive for its requirements, not failed', async () => {
    const report = await run(`id: setup-fails
title: t
spec: [QOS-LEVELS-0-1]
${clients}steps:
${roundTrip('hi')}  - expect: { client: sub, packet: publish, payload: not-this, within: 300ms }
    setup: true
  - expect: { client: sub, packet: publish, payload: hi, within: 1s }
`)
    const s = report.scenarios[0]!
    expect(s.status).toBe('failed')
    expect(s.verdicts).toEqual({ 'QOS-LEVELS-0-1': 'inconclusive' })
    expect(s.failures[0]!.checks).toEqual([])
    expect(report.requirements.find((r) => r.id === 'QOS-LEVELS-0-1')!.status).toBe('inconclusive')
  })

  it('one aspect failing leaves the aspect already checked passed and the one not reached inconclusive', async () => {
    const report = await run(`id: aspects
title: t
spec: [QOS-LEVELS-0-1, RET-SUPPORTED, M5-USER-PROPERTIES]
${clients}steps:
${roundTrip('hi')}  - expect: { client: sub, packet: publish, payload: hi, within: 1s }
    checks: [QOS-LEVELS-0-1]
  - expect-nothing: { client: sub, packet: publish, within: 100ms }
    checks: [RET-SUPPORTED]
  - publish: { client: pub, topic: '\${prefix}/t', payload: again, qos: 1 }
  - expect-nothing: { client: sub, packet: publish, payload: again, within: 1s }
    checks: [RET-SUPPORTED]
  - expect: { client: sub, packet: publish, within: 100ms }
    checks: [M5-USER-PROPERTIES]
`)
    const s = report.scenarios[0]!
    expect(s.status).toBe('failed')
    expect(s.verdicts).toEqual({ 'QOS-LEVELS-0-1': 'passed', 'RET-SUPPORTED': 'failed', 'M5-USER-PROPERTIES': 'inconclusive' })
    expect(s.failures[0]!.checks).toEqual(['RET-SUPPORTED'])
  })

  it('a requirement another scenario checked fully is decided there; skipped and inconclusive cells neither spoil nor prove it', async () => {
    const full = (await run(`id: full\ntitle: t\nspec: [QOS-LEVELS-0-1]\n${clients}steps:\n${roundTrip('hi')}  - expect: { client: sub, packet: publish, payload: hi, within: 1s }\n`)).scenarios[0]!
    const stuck = (await run(`id: stuck\ntitle: t\nspec: [QOS-LEVELS-0-1]\n${clients}steps:\n${roundTrip('hi')}  - expect: { client: sub, packet: publish, payload: other, within: 200ms }\n    setup: true\n  - expect: { client: sub, packet: publish, payload: hi, within: 1s }\n`)).scenarios[0]!
    const broken = (await run(`id: broken\ntitle: t\nspec: [QOS-LEVELS-0-1]\n${clients}steps:\n${roundTrip('hi')}  - expect: { client: sub, packet: publish, payload: other, within: 200ms }\n`)).scenarios[0]!
    const skipped = { ...full, id: 'skipped', status: 'skipped' as const, verdicts: { 'QOS-LEVELS-0-1': 'skipped' as const } }
    const status = (...list: typeof full[]) => resolveRequirements(list)[0]!.status
    expect([full.verdicts, stuck.verdicts, broken.verdicts]).toEqual([{ 'QOS-LEVELS-0-1': 'passed' }, { 'QOS-LEVELS-0-1': 'inconclusive' }, { 'QOS-LEVELS-0-1': 'failed' }])
    expect(status(full, stuck, skipped)).toBe('passed')
    expect(status(stuck, skipped)).toBe('inconclusive')
    expect(status(skipped)).toBe('skipped')
    expect(status(full, stuck, broken)).toBe('failed')
  })

  it('every report format shows inconclusive apart, and report diff sees passed → inconclusive as worse', async () => {
    const passing = await run(`id: rt\ntitle: t\nspec: [QOS-LEVELS-0-1]\n${clients}steps:\n${roundTrip('hi')}  - expect: { client: sub, packet: publish, payload: hi, within: 1s }\n`)
    const stuck = await run(`id: rt\ntitle: t\nspec: [QOS-LEVELS-0-1]\n${clients}steps:\n${roundTrip('hi')}  - expect: { client: sub, packet: publish, payload: other, within: 200ms }\n    setup: true\n  - expect: { client: sub, packet: publish, payload: hi, within: 1s }\n`)
    expect(renderConsoleSummary(stuck)).toMatch(/Requirements: .*1 inconclusive/)
    expect(renderConsoleSummary(stuck)).toMatch(/setup step: the requirements were not reached \(inconclusive\)/)
    expect(renderMarkdownReport(stuck)).toMatch(/\| `QOS-LEVELS-0-1` \| \? inconclusive \|/)
    expect(renderJunitReport(stuck)).toContain('<property name="verdict.QOS-LEVELS-0-1" value="inconclusive"/>')
    const html = await renderHtmlReport(stuck, { chartJs: "" })
    expect(html).toContain('"verdicts":{"QOS-LEVELS-0-1":"inconclusive"}')
    expect(html).toContain("inconclusive: '?'")
    const diff = diffReports(passing, stuck)
    expect(diff.requirementChanges).toContainEqual({ id: 'QOS-LEVELS-0-1', from: 'passed', to: 'inconclusive', direction: 'worse' })
    expect(renderDiffText(diff)).toMatch(/QOS-LEVELS-0-1 {2}passed → inconclusive \(worse\)/)
  })
})

describe('the loader checks attribution', () => {
  const load = (steps: string) => parseScenarioText(`id: x\ntitle: x\nspec: [QOS-LEVELS-0-1, RET-SUPPORTED]\nclients:\n  c: { version: 5 }\nsteps:\n${steps}`, 'x.yaml', { limits: {}, registry: createStepDefinitionRegistry() })

  it('refuses checks: outside spec:, checks: with setup:, and a spec: id no step checks', () => {
    const bad = load(`  - connect: c\n    checks: [M5-USER-PROPERTIES]\n  - expect: { client: c, packet: publish }\n    checks: [QOS-LEVELS-0-1]\n    setup: true\n  - expect-nothing: { client: c, packet: publish, within: 10ms }\n    checks: [QOS-LEVELS-0-1]\n`)
    expect(bad.issues.map((i) => `${i.line}:${i.col} ${i.path}: ${i.message}`)).toEqual([
      expect.stringMatching(/^8:14 steps\[0\]\.checks\[0\]: "M5-USER-PROPERTIES" is not in the scenario's spec: \(QOS-LEVELS-0-1, RET-SUPPORTED\); list it there too$/),
      expect.stringMatching(/^11:12 steps\[1\]\.setup: give checks: .* or setup: true .*, not both$/),
    ])
    const unchecked = load(`  - connect: c\n  - expect-nothing: { client: c, packet: publish, within: 10ms }\n    checks: [QOS-LEVELS-0-1]\n`)
    expect(unchecked.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([expect.stringMatching(/^spec\[1\]: no step checks RET-SUPPORTED/)])
  })

  it('assertions check the whole spec: by default, set-up steps nothing, and checks:/setup: override', () => {
    const ok = load(`  - connect: c\n  - connect: { client: c, expect: { reasonCode: 0 } }\n    setup: true\n  - publish: { client: c, topic: t, qos: 0 }\n  - expect: { client: c, packet: publish }\n  - expect-nothing: { client: c, packet: publish, within: 10ms }\n    checks: [RET-SUPPORTED]\n`)
    expect(ok.issues).toEqual([])
    expect(ok.scenarios[0]!.steps.map((s) => s.checks)).toEqual([[], [], [], ['QOS-LEVELS-0-1', 'RET-SUPPORTED'], ['RET-SUPPORTED']])
  })
})
