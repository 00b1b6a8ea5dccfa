import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser'
import { parseAction } from '@actions/workflow-parser/actions/index'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'

// GitHub's own parser and schemas for workflows and action.yml (the actions
// language services' @actions/workflow-parser), so a recipe that GitHub would
// refuse fails here, on machines that cannot run Actions.
const root = fileURLToPath(new URL('../../', import.meta.url))
const trace = new NoOperationTraceWriter()
const read = (rel: string) => readFileSync(join(root, rel), 'utf8')
const workflowErrors = (name: string, content: string) => parseWorkflow({ name, content }, trace).context.errors.getErrors().map((e) => e.message)
const actionErrors = (name: string, content: string) => parseAction({ name, content }, trace).context.errors.getErrors().map((e) => e.message)

describe('GitHub Actions recipes', () => {
  it('the parser refuses what GitHub refuses (the check can fail)', () => {
    expect(workflowErrors('bad.yml', 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz: []\n').length).toBeGreaterThan(0)
    expect(actionErrors('action.yml', 'name: x\ndescription: y\nruns:\n  using: composite\n  steps:\n    - run: echo\n').length).toBeGreaterThan(0)
  })

  it('docs/ci/github-actions.yml is a valid workflow: shard matrix, merge, JUnit, job summary, baseline diff', () => {
    const text = read('docs/ci/github-actions.yml')
    expect(workflowErrors('github-actions.yml', text)).toEqual([])
    const wf = parse(text) as { jobs: Record<string, { strategy?: { matrix?: { shard?: number[] } }; steps: { run?: string; uses?: string }[] }> }
    expect(wf.jobs.conformance!.strategy!.matrix!.shard).toEqual([1, 2, 3])
    const runs = Object.values(wf.jobs).flatMap((j) => j.steps.map((s) => s.run ?? '')).join('\n')
    expect(runs).toMatch(/mqtt-harness run[\s\S]*--shard \$\{\{ matrix\.shard \}\}\/3/)
    expect(runs).toMatch(/mqtt-harness report merge shards\/\*\/report\.json --out merged/)
    expect(runs).toMatch(/summary\.md >> "\$GITHUB_STEP_SUMMARY"/)
    expect(runs).toMatch(/mqtt-harness report diff baseline\/report\.json merged\/report\.json/)
    expect(JSON.stringify(wf)).toContain('merged/junit.xml')
  })

  it('action.yml is a valid composite action that runs the suite against its target input', () => {
    const text = read('action.yml')
    expect(actionErrors('action.yml', text)).toEqual([])
    const action = parse(text) as { inputs: Record<string, unknown>; runs: { using: string; steps: { run?: string; env?: Record<string, string> }[] } }
    expect(action.runs.using).toBe('composite')
    expect(Object.keys(action.inputs)).toEqual(expect.arrayContaining(['target', 'paths', 'out', 'reporter', 'shard', 'args']))
    const run = action.runs.steps.find((s) => s.run?.includes('"$HX_BIN" run'))!
    expect(run.env!.HX_BIN).toBe('${{ github.action_path }}/bin/mqtt-harness.js')
    // Inputs go through the environment, never spliced into the script.
    for (const s of action.runs.steps) expect(s.run ?? '').not.toMatch(/\$\{\{\s*inputs\./)
  })
})
