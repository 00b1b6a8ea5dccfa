import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ReportInvalidError, ReportVersionError } from '../errors.js'
import { createJsonReporter, renderJsonReport } from '../json-reporter.js'
import { readReport } from '../read-report.js'
import { sampleReport } from './fixtures.js'

let dir: string
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'hx-read-')) })
afterAll(async () => { await rm(dir, { recursive: true, force: true }) })

async function write(name: string, content: string): Promise<string> {
  const file = join(dir, name)
  await writeFile(file, content)
  return file
}

describe('json reporter and readReport', () => {
  it('round-trips: what the JSON reporter writes, readReport reads back', async () => {
    const reporter = createJsonReporter({ outDir: join(dir, 'out') })
    await reporter.onRunEnd?.(sampleReport())
    expect(reporter.outputFile).toBe(join(dir, 'out', 'report.json'))
    expect(await readReport(reporter.outputFile!)).toEqual(sampleReport())
  })

  it('refuses to write a report that does not match the schema', () => {
    const bad = { ...sampleReport(), summary: { ...sampleReport().summary, total: -1 } }
    expect(() => renderJsonReport(bad, 'out/report.json')).toThrow(/invalid report out\/report\.json:\n {2}summary\.total: /)
  })

  it('names the file and each bad field', async () => {
    const report = JSON.parse(JSON.stringify(sampleReport()))
    report.scenarios[3].status = 'broken'
    report.scenarios[3].failures[0].location.line = 0
    delete report.target
    const file = await write('bad.json', JSON.stringify(report))
    const err = await readReport(file).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ReportInvalidError)
    const e = err as ReportInvalidError
    expect(e.code).toBe('HX_REPORT_INVALID')
    expect(e.file).toBe(file)
    expect(e.problems.map((p) => p.path).sort()).toEqual(['scenarios[3].failures[0].location.line', 'scenarios[3].status', 'target'])
    expect(e.message).toContain(`invalid report ${file}:`)
    expect(e.message).toMatch(/ {2}scenarios\[3\]\.status: /)
  })

  it('says what is wrong with files that are not reports', async () => {
    await expect(readReport(join(dir, 'missing.json'))).rejects.toThrow(/missing\.json:\n {2}\(root\): no such file/)
    await expect(readReport(await write('junit.xml', '<testsuites/>'))).rejects.toThrow(/junit\.xml:\n {2}\(root\): not JSON .*expected a report\.json written by mqtt-harness/)
    const future = await write('future.json', JSON.stringify({ ...sampleReport(), schemaVersion: 2 }))
    await expect(readReport(future)).rejects.toThrow(ReportVersionError)
    await expect(readReport(future)).rejects.toThrow(/future\.json has report schema version 2; this mqtt-harness reads version 1/)
    const many = await write('array.json', JSON.stringify({ schemaVersion: 1, scenarios: Array.from({ length: 40 }, () => ({})) }))
    const err = (await readReport(many).catch((e: unknown) => e)) as ReportInvalidError
    expect(err.problems).toHaveLength(21)
    expect(err.problems[20]!.message).toMatch(/^and \d+ more problems$/)
  })
})
