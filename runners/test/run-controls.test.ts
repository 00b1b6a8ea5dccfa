import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseScenarioText, createStepDefinitionRegistry, runReportSchema } from '../../spec/index.js'
import { renderConsoleSummary, renderJunitReport, renderMarkdownReport, diffReports, renderDiffText, mergeReports } from '../../reports/index.js'
import { runScenarios } from '../run-scenarios.js'
import { selectScenarios } from '../select-scenarios.js'
import { startBundledTarget } from '../targets/bundled-target.js'
import type { ResolvedTarget } from '../targets/resolved-target.js'
import { scenariosFrom } from './helpers.js'

let target: ResolvedTarget
beforeAll(async () => { target = await startBundledTarget() })
afterAll(async () => { await target.teardown() })

// Fails on its first attempt, passes on the next: the first attempt leaves a
// retained message on a topic shared by the attempts (${run.id}, not ${prefix}),
// and only a later attempt's subscription receives it with RETAIN=1.
const FAILS_ONCE = `id: fails-once
title: passes only once a retained message exists
spec: [RET-FLAG-ON-DELIVERY]
clients:
  a: { version: 5 }
steps:
  - connect: a
  - subscribe: { client: a, topic: 'hx-flaky/\${run.id}/t', qos: 1 }
  - publish: { client: a, topic: 'hx-flaky/\${run.id}/t', payload: kept, qos: 1, retain: true }
  - expect: { client: a, packet: publish, retain: true, within: 300ms }
`
const ALWAYS_FAILS = (id: string) => `id: ${id}
title: ${id}
spec: [QOS-LEVELS-0-1]
clients:
  a: { version: 5 }
steps:
  - connect: a
  - expect: { client: a, packet: publish, within: 100ms }
`

describe('run controls', () => {
  it('--retries: failed then passed is flaky in the report and every format, never passed', async () => {
    const scenarios = scenariosFrom(FAILS_ONCE, target.limits)
    const report = await runScenarios(scenarios, target, { retries: 2, runId: `r${Date.now().toString(36)}` })
    expect(runReportSchema.safeParse(report).success).toBe(true)
    const [r] = report.scenarios
    expect(r!.status).toBe('flaky')
    expect(r!.attempts).toHaveLength(1)
    expect(r!.attempts![0]!.status).toBe('failed')
    expect(r!.attempts![0]!.failures[0]!.message).toMatch(/did not receive a packet matching/)
    expect(report.summary).toMatchObject({ total: 1, passed: 0, flaky: 1, failed: 0 })
    expect(report.requirements.find((q) => q.id === 'RET-FLAG-ON-DELIVERY')!.status).toBe('flaky')
    expect(renderConsoleSummary(report)).toMatch(/Flaky: passed only on a retry \(1\)[\s\S]*attempt 1 failed/)
    expect(renderMarkdownReport(report)).toMatch(/mqtt-harness: 0 of 1 scenarios passed, 1 flaky/)
    expect(renderJunitReport(report)).toContain('status="flaky"')
    const diff = diffReports({ ...report, scenarios: report.scenarios.map((s) => ({ ...s, status: 'passed' as const })) }, report)
    expect(diff.flaky.map((s) => s.id)).toEqual(['fails-once'])
    expect(renderDiffText(diff)).toMatch(/Flaky \(passed only on a retry\) \(1\)/)
    expect(mergeReports([report]).summary.flaky).toBe(1)
  })

  it('without --retries the same scenario fails; with retries that never pass it fails with its attempts', async () => {
    const [once] = (await runScenarios(scenariosFrom(FAILS_ONCE, target.limits), target, { runId: `s${Date.now().toString(36)}` })).scenarios
    expect(once).toMatchObject({ status: 'failed' })
    expect(once!.attempts).toBeUndefined()
    const [never] = (await runScenarios(scenariosFrom(ALWAYS_FAILS('never-passes'), target.limits), target, { retries: 2 })).scenarios
    expect(never!.status).toBe('failed')
    expect(never!.attempts!.map((a) => a.status)).toEqual(['failed', 'failed'])
  })

  it('--max-failures stops starting scenarios; those not started are skipped saying why', async () => {
    const scenarios = [...scenariosFrom(ALWAYS_FAILS('first-fails'), target.limits), ...scenariosFrom(ALWAYS_FAILS('second-not-run'), target.limits, 'b.yaml')]
    const report = await runScenarios(scenarios, target, { concurrency: 1, maxFailures: 1 })
    expect(report.scenarios.map((s) => s.status)).toEqual(['failed', 'skipped'])
    expect(report.scenarios[1]!.reason).toMatch(/not run: the run stopped after 1 failed or errored scenario \(--max-failures 1\)/)
    expect(report.scenarios[1]!.steps).toEqual([])
  })

  it('selects by tag, excluded tag and requirement id (prefix with *)', () => {
    const doc = (id: string, tags: string, spec: string) => `id: ${id}\ntitle: ${id}\nspec: [${spec}]\ntags: [${tags}]\nclients: { a: { version: 5 } }\nsteps:\n  - connect: a\n`
    const all = [
      ...scenariosFrom(doc('smoke-a', 'smoke', 'RET-EXACT-MATCH'), target.limits, 'a.yaml'),
      ...scenariosFrom(doc('smoke-slow', 'smoke, slow', 'QOS-LEVELS-0-1'), target.limits, 'b.yaml'),
      ...scenariosFrom(doc('other', 'nightly', 'RET-FLAG-ON-DELIVERY'), target.limits, 'c.yaml'),
    ]
    const ids = (o: Parameters<typeof selectScenarios>[1]) => selectScenarios(all, o).map((s) => s.id)
    expect(all[1]!.tags).toEqual(['smoke', 'slow'])
    expect(ids({ tags: ['smoke'] })).toEqual(['smoke-a', 'smoke-slow'])
    expect(ids({ tags: ['smoke'], excludeTags: ['slow'] })).toEqual(['smoke-a'])
    expect(ids({ requirements: ['RET-*'] })).toEqual(['smoke-a', 'other'])
    expect(ids({ requirements: ['QOS-LEVELS-0-1'] })).toEqual(['smoke-slow'])
    expect(ids({ tags: ['nope'] })).toEqual([])
  })
})

describe('${env.NAME} in scenarios', () => {
  const registry = createStepDefinitionRegistry()
  const text = `id: env-topic
title: topic from the environment
spec: [QOS-LEVELS-0-1]
clients:
  a: { version: 5 }
steps:
  - connect: a
  - subscribe: { client: a, topic: '\${env.HX_TEST_TOPIC}/x' }
`
  it('substitutes a set variable', () => {
    const { scenarios, issues } = parseScenarioText(text, 'env.yaml', { limits: {}, registry, env: { HX_TEST_TOPIC: 'site-7' } })
    expect(issues).toEqual([])
    expect((scenarios[0]!.steps[1]!.args as { topic: string }).topic).toBe('site-7/x')
  })

  it('refuses an unset one with file:line:col, as target files do', () => {
    const { scenarios, issues } = parseScenarioText(text, 'env.yaml', { limits: {}, registry, env: {} })
    expect(scenarios).toEqual([])
    expect(issues).toEqual([{ file: 'env.yaml', line: 8, col: 36, path: 'steps[1].subscribe.topic', message: 'environment variable HX_TEST_TOPIC is not set' }])
  })
})
