import { afterEach, describe, expect, it, vi } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadReportSchema } from '../../../spec/index.js'
import { main } from '../../cli.js'
import { runLoad } from '../run-load.js'
import { tempFiles } from './helpers.js'

// A deliberately slow target: every device withholds its PUBACK, so each
// confirmed SendDirectMessage waits out its 1 s timeout and answers 504.
// The plan is 30 s; the abortOnFail threshold must stop it within seconds.
const slow = (extra = '') => `id: abort-slow
title: abortOnFail against a target that answers in 1 s
devices: { count: 20, connectRate: 1000/s, behaviours: [{ share: 1, puback: never }] }
stages: [{ stage: steady, duration: 30s, rate: 20/s }]
directMessage: { confirmation: true, timeout: 1 }
drain: 0
thresholds:
  - "notSent == 0"
  - { threshold: "p(99) < 200ms", abortOnFail: true, delayAbortEval: 1s }
${extra}`

afterEach(() => vi.restoreAllMocks())

describe('thresholds with abortOnFail', () => {
  it('stop a run against a slow target early: the report names the threshold and when, exit 4', async () => {
    const dir = tempFiles({ 'load.yaml': slow() })
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
    const t0 = Date.now()
    const code = await main(['load', join(dir, 'load.yaml'), '--out', join(dir, 'out'), '--no-progress'])
    const wall = Date.now() - t0
    expect(code).toBe(4)
    const r = loadReportSchema.parse(JSON.parse(readFileSync(join(dir, 'out', 'load-report.json'), 'utf8')))
    expect(r.aborted?.threshold).toBe('p(99) < 200ms')
    expect(r.aborted?.actual).toMatch(/^p\(99\) = 1\.\d+s/)
    // Not before the delay; the first 504s come after 1 s, so it fires within the next few checks.
    expect(r.aborted!.atMs).toBeGreaterThanOrEqual(1000)
    expect(r.aborted!.atMs).toBeLessThan(6000)
    expect(r.verdict).toBe('thresholds-failed')
    // Far short of the 30 s plan (600 requests): only what was due before the stop was planned, and every one is booked.
    expect(wall).toBeLessThan(15_000)
    expect(r.dm!.planned).toBeLessThan(200)
    expect(r.dm!.buckets['504']).toBe(r.dm!.planned)
    expect(r.books.balanced).toBe(true)
    expect(r.scenario.thresholds[1]!.abortOnFail).toEqual({ delayMs: 1000 })
    expect(readFileSync(join(dir, 'out', 'load-report.md'), 'utf8')).toMatch(/Stopped early, .* by the abortOnFail threshold p\(99\) &lt; 200ms/)
  })

  it('do not fire before delayAbortEval, and a threshold without abortOnFail never stops the run', async () => {
    const dir = tempFiles({ 'load.yaml': slow().replace('duration: 30s', 'duration: 2500ms').replace('delayAbortEval: 1s', 'delayAbortEval: 10s') })
    const { report: r } = await runLoad({ scenarioFile: join(dir, 'load.yaml') })
    expect(r.aborted).toBeUndefined()
    expect(r.dm!.planned).toBe(50)
    // It still fails at the end: thresholds are evaluated on the whole run.
    expect(r.verdict).toBe('thresholds-failed')
  })

  it('with --workers 2, the slice that fires stops the other one too', async () => {
    const dir = tempFiles({ 'load.yaml': slow() })
    const { report: r } = await runLoad({ scenarioFile: join(dir, 'load.yaml'), workers: 2 })
    expect(r.aborted?.threshold).toBe('p(99) < 200ms')
    expect(r.dm!.planned).toBeLessThan(200)
    expect(r.books.balanced).toBe(true)
    expect(r.verdict).toBe('thresholds-failed')
  })

  it('--stop-file: the shard whose threshold fires stops the other shards of the run too', async () => {
    // Shard 2's file has no abortOnFail threshold: only the stop file can end its 30 s plan early.
    const dir = tempFiles({ 'a.yaml': slow(), 'b.yaml': slow().replace(/  - \{ threshold.*\n/, '') })
    const stopFile = join(dir, 'stop.json')
    const t0 = Date.now()
    const [a, b] = await Promise.all([
      runLoad({ scenarioFile: join(dir, 'a.yaml'), shard: { index: 0, count: 2 }, stopFile, runId: 'stopfile' }),
      runLoad({ scenarioFile: join(dir, 'b.yaml'), shard: { index: 1, count: 2 }, stopFile, runId: 'stopfile' }),
    ])
    expect(Date.now() - t0).toBeLessThan(15_000)
    expect(a.report.aborted?.slice).toEqual({ index: 0, count: 2 })
    expect(b.report.aborted).toEqual(a.report.aborted)
    expect(b.report.scenario.thresholds.some((t) => t.abortOnFail)).toBe(false)
    expect(b.report.dm!.planned).toBeLessThan(150)
    expect([a.exitCode, b.exitCode]).toEqual([4, 4])
    expect(JSON.parse(readFileSync(stopFile, 'utf8')).threshold).toBe('p(99) < 200ms')
  })
})
