import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ReporterDuplicateError, ReporterUnknownError } from '../errors.js'
import { fanOut, type Reporter } from '../reporter.js'
import { BUILTIN_REPORTERS, ReporterRegistry, createDefaultReporterRegistry, createReporters } from '../reporter-registry.js'
import { CaptureStream } from './capture-stream.js'
import { sampleReport } from './fixtures.js'

let dir: string
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'hx-reg-')) })
afterAll(async () => { await rm(dir, { recursive: true, force: true }) })

describe('reporter registry', () => {
  it('knows the built-in formats and refuses a second registration of a name', () => {
    const registry = createDefaultReporterRegistry()
    expect(registry.names()).toEqual([...BUILTIN_REPORTERS])
    expect(() => registry.register('json', () => ({}))).toThrow(ReporterDuplicateError)
    expect(() => registry.register('json', () => ({}))).toThrow('a reporter named "json" is already registered')
    registry.register('tap', () => ({ name: 'tap' }))
    expect(registry.create('tap', { outDir: dir }).name).toBe('tap')
  })

  it('names the known formats when a name is unknown, before building any reporter', () => {
    let built = 0
    const registry = new ReporterRegistry().register('json', () => { built++; return {} })
    const err = (() => { try { createReporters(['json', 'jsno'], { outDir: dir }, registry) } catch (e) { return e } })()
    expect(err).toBeInstanceOf(ReporterUnknownError)
    expect((err as ReporterUnknownError).code).toBe('HX_REPORTER_UNKNOWN')
    expect((err as Error).message).toBe('unknown reporter "jsno"; known reporters: json')
    expect(built).toBe(0)
  })

  it('builds one reporter per distinct name, and every format writes its file', async () => {
    const stream = new CaptureStream()
    const reporters = createReporters(['console', 'json', 'junit', 'markdown', 'html', 'json'], { outDir: join(dir, 'all'), stream })
    expect(reporters.map((r) => r.name)).toEqual(['console', 'json', 'junit', 'markdown', 'html'])
    await fanOut(reporters).onRunEnd?.(sampleReport())
    expect((await readdir(join(dir, 'all'))).sort()).toEqual(['junit.xml', 'report.html', 'report.json', 'summary.md'])
    expect(stream.text).toContain('Scenarios:    6 passed')
  })
})

describe('fanOut', () => {
  it('calls every hook of every reporter in order, awaiting async ones', async () => {
    const calls: string[] = []
    const make = (name: string): Reporter => ({
      async onRunStart(info) { await new Promise((r) => setTimeout(r, 5)); calls.push(`${name}:start:${info.total}`) },
      onScenarioStart(s) { calls.push(`${name}:begin:${s.id}`) },
      onScenarioEnd(r) { calls.push(`${name}:end:${r.id}`) },
      onRunEnd(r) { calls.push(`${name}:done:${r.summary.total}`) },
    })
    const report = sampleReport()
    const s = report.scenarios[0]!
    const all = fanOut([make('a'), {}, make('b')])
    await all.onRunStart?.({ total: 1, target: report.target, startedAt: report.startedAt })
    await all.onScenarioStart?.({ id: s.id, title: s.title, file: s.file })
    await all.onScenarioEnd?.(s)
    await all.onRunEnd?.(report)
    expect(calls).toEqual([
      'a:start:1', 'b:start:1', `a:begin:${s.id}`, `b:begin:${s.id}`, `a:end:${s.id}`, `b:end:${s.id}`, 'a:done:10', 'b:done:10',
    ])
  })

  it('lets the other reporters finish when one throws, then rethrows', async () => {
    const done: string[] = []
    const boom = new Error('disk full')
    const all = fanOut([{ onRunEnd() { throw boom } }, { onRunEnd() { done.push('second') } }])
    await expect(all.onRunEnd!(sampleReport())).rejects.toBe(boom)
    expect(done).toEqual(['second'])
    const two = fanOut([{ onRunEnd() { throw boom } }, { async onRunEnd() { throw new Error('no space') } }])
    await expect(two.onRunEnd!(sampleReport())).rejects.toThrow(AggregateError)
  })
})
