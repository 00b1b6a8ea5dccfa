import { spawn } from 'node:child_process'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunReport } from '../../spec/index.js'
import { readReport } from '../read-report.js'
import { sampleReport, withScenarios } from './fixtures.js'
import { BIN, ensureBuilt } from '../../test/built-cli.js'

let dir: string

/**
 * Runs the real CLI as a user would (bin/ on the build, ensureBuilt: no
 * TypeScript compiled in each child) and collects what it printed.
 */
function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => { stdout += d })
    child.stderr.on('data', (d: Buffer) => { stderr += d })
    const timer = setTimeout(() => child.kill('SIGKILL'), 45_000)
    child.on('error', reject)
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }) })
  })
}

async function writeJson(name: string, value: unknown): Promise<string> {
  const file = join(dir, name)
  await writeFile(file, JSON.stringify(value))
  return file
}

beforeAll(async () => { await ensureBuilt(); dir = await mkdtemp(join(tmpdir(), 'hx-cli-')) }, 180_000)
afterAll(async () => { await rm(dir, { recursive: true, force: true }) })

describe('mqtt-harness report', () => {
  it('merge joins shards, writes every requested format and exits like the merged run', async () => {
    const all = sampleReport()
    const half = new Set(all.scenarios.slice(0, 4).map((s) => s.id))
    const a = await writeJson('shard-1.json', withScenarios(all, (s) => half.has(s.id), { shard: { index: 1, total: 2 } }))
    const b = await writeJson('shard-2.json', withScenarios(all, (s) => !half.has(s.id), { shard: { index: 2, total: 2 } }))
    const res = await runCli(['report', 'merge', a, b, '--out', 'merged', '--reporter', 'json,junit', '--reporter', 'markdown'])
    expect(res.stderr).toContain('merged 2 reports (10 scenarios)')
    expect(res.code).toBe(1) // the sample has a failed scenario
    expect((await readdir(join(dir, 'merged'))).sort()).toEqual(['junit.xml', 'report.json', 'summary.md'])
    const merged = await readReport(join(dir, 'merged', 'report.json'))
    expect(merged.summary).toEqual(all.summary)
    expect(merged.scenarios.map((s) => s.id)).toEqual(all.scenarios.map((s) => s.id))

    const passed = await writeJson('passed.json', withScenarios(all, (s) => s.status === 'passed'))
    const ok = await runCli(['report', 'merge', passed, '--out', 'ok'])
    expect(ok.code).toBe(0)
    expect(await readdir(join(dir, 'ok'))).toEqual(['report.json'])
  })

  it('merge refuses unknown reporters and invalid files with exit 2', async () => {
    const good = await writeJson('good.json', sampleReport())
    const unknown = await runCli(['report', 'merge', good, '--out', 'x', '--reporter', 'json,pdf'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('unknown reporter "pdf"; known reporters: console, json, junit, markdown, html, compliance (HX_REPORTER_UNKNOWN)')
    const broken = sampleReport() as { scenarios: { status: string }[] }
    broken.scenarios[2]!.status = 'exploded'
    const bad = await writeJson('bad.json', broken)
    const invalid = await runCli(['report', 'merge', good, bad, '--out', 'x'])
    expect(invalid.code).toBe(2)
    expect(invalid.stderr).toContain(`invalid report ${bad}:`)
    expect(invalid.stderr).toContain('scenarios[2].status:')
    expect(invalid.stderr).toContain('(HX_REPORT_INVALID)')
  })

  it('diff lists regressions and exits 1, 0 without regressions, 2 for bad input', async () => {
    const base = sampleReport()
    const current: RunReport = withScenarios(base, () => true)
    current.scenarios = current.scenarios.map((s) => (s.id === 'client-id-takeover' ? { ...s, status: 'failed', failures: [{ message: 'old connection kept' }] } : s))
    const baseline = await writeJson('baseline.json', base)
    const now = await writeJson('current.json', withScenarios(current, () => true))

    const text = await runCli(['report', 'diff', baseline, now])
    expect(text.code).toBe(1)
    expect(text.stdout).toContain('Regressions (1):\n  client-id-takeover  passed → failed')
    expect(text.stdout).toMatch(/1 regression\.\n$/)

    const md = await runCli(['report', 'diff', baseline, now, '--format', 'markdown'])
    expect(md.code).toBe(1)
    expect(md.stdout).toContain('## ❌ 1 regression against the baseline')

    const same = await runCli(['report', 'diff', baseline, baseline])
    expect(same.code).toBe(0)
    expect(same.stdout).toContain('No regressions.')

    const format = await runCli(['report', 'diff', baseline, now, '--format', 'html'])
    expect(format.code).toBe(2)
    expect(format.stderr).toContain('--format must be text or markdown')

    const future = await writeJson('future.json', { ...base, schemaVersion: 2 })
    const version = await runCli(['report', 'diff', future, now])
    expect(version.code).toBe(2)
    expect(version.stderr).toContain('has report schema version 2; this mqtt-harness reads version 1')
    expect(version.stderr).toContain('(HX_REPORT_VERSION)')
  })
})
