import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runReportSchema, type RunReport } from '../../spec/index.js'
import { createHtmlReporter, renderHtmlReport } from '../html-reporter.js'
import { launchChromium, openOffline } from './browser.js'
import { sampleReport, withScenarios } from './fixtures.js'

let browser: Browser
let dir: string

beforeAll(async () => {
  browser = await launchChromium()
  dir = await mkdtemp(join(tmpdir(), 'hx-html-'))
})
afterAll(async () => {
  await browser?.close()
  if (dir) await rm(dir, { recursive: true, force: true })
})

/** PNG width and height from the IHDR chunk. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true)
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) }
}

async function writeReport(report: RunReport, name: string): Promise<string> {
  const outDir = join(dir, name)
  const reporter = createHtmlReporter({ outDir })
  await reporter.onRunEnd?.(report)
  return reporter.outputFile!
}

// Page checks are passed as source text: they run in the browser, and the project's
// tsconfig (rightly) has no DOM lib to type them with.
describe('html reporter', () => {
  it('embeds the report as JSON that parses back to the same report', async () => {
    const report = sampleReport()
    const html = await renderHtmlReport(report)
    const m = /<script type="application\/json" id="report-data">([^<]*)<\/script>/.exec(html)
    expect(m).not.toBeNull()
    const data = JSON.parse(m![1]!)
    expect(runReportSchema.parse(data.report)).toEqual(report)
    expect(html).toContain('Chart.js v4')
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|https?:\/\/cdn/i)
  })

  it('renders every chart offline in chromium, with no console errors', async () => {
    const file = await writeReport(sampleReport(), 'sample')
    const page = await browser.newPage({ viewport: { width: 1360, height: 900 } })
    const log = await openOffline(page, pathToFileURL(file).href)
    await page.waitForSelector('body[data-rendered="true"]', { timeout: 15_000 })
    const charts = await page.evaluate<{ id: string; width: number; height: number; chart: boolean }[]>(`
      [...document.querySelectorAll('canvas')].map((c) => ({
        id: c.id, width: c.getBoundingClientRect().width, height: c.getBoundingClientRect().height, chart: Boolean(Chart.getChart(c)),
      }))`)
    expect(charts.map((c) => c.id).sort()).toEqual(['chart-latency-box', 'chart-latency-histogram', 'chart-outcomes', 'chart-requirements', 'chart-timeline-0'])
    for (const c of charts) {
      expect(c.chart, c.id).toBe(true)
      expect(c.width, c.id).toBeGreaterThan(50)
      expect(c.height, c.id).toBeGreaterThan(50)
    }
    // The timeline draws the windows the check computed, the flat limit and the fullest window, never above the limit of a passing check.
    const timeline = await page.evaluate<{ label: string; ys: number[] }[]>(`
      Chart.getChart(document.getElementById('chart-timeline-0')).data.datasets.map((d) => ({ label: d.label, ys: d.data.map((p) => p.y) }))`)
    const rate = sampleReport().scenarios.find((x) => x.timelines)!.timelines![0]!.rate!
    expect(timeline.map((d) => d.label)).toEqual(['arrivals per sliding window', 'arrivals', 'limit: 10 (+1) per 1000 ms', `fullest window: ${rate.peak.count}`])
    expect(timeline[0]!.ys).toHaveLength(24)
    expect(Math.max(...timeline[0]!.ys)).toBe(rate.peak.count)
    expect(timeline[2]!.ys).toEqual([11, 11])
    expect(Math.max(...timeline[0]!.ys)).toBeLessThanOrEqual(11)
    // Every step kind's box sits on a log axis, and the percentile table lists every kind.
    const axis = await page.evaluate(`Chart.getChart(document.getElementById('chart-latency-box')).options.scales.y.type`)
    expect(axis).toBe('logarithmic')
    const kinds = await page.evaluate(`[...document.querySelectorAll('#latency-table tbody tr')].map((r) => r.getAttribute('data-kind'))`)
    expect(kinds).toEqual(['connect', 'http', 'publish', 'subscribe'])
    expect(log.errors).toEqual([])
    expect(log.requests.every((u) => u.startsWith('file:'))).toBe(true)

    const png = await page.screenshot({ path: join(dir, 'report.png'), fullPage: true })
    const size = pngSize(png)
    expect(size.width).toBeGreaterThanOrEqual(1300)
    expect(size.height).toBeGreaterThan(1500)
    expect(png.length).toBeGreaterThan(60_000)
    expect((await readFile(join(dir, 'report.png'))).length).toBe(png.length)
    await page.close()
  })

  it('filters scenarios, requirements and timelines by status', async () => {
    const file = await writeReport(sampleReport(), 'filter')
    const page = await browser.newPage()
    const log = await openOffline(page, pathToFileURL(file).href)
    await page.waitForSelector('body[data-rendered="true"]')
    const visible = () => page.evaluate<{ scenarios: string[]; reqTiles: number; timelines: number }>(`({
      scenarios: [...document.querySelectorAll('details.scenario:not(.hidden)')].map((e) => e.getAttribute('data-status')),
      reqTiles: document.querySelectorAll('.tile:not(.hidden)').length,
      timelines: document.querySelectorAll('.tl:not(.hidden)').length,
    })`)
    const before = await visible()
    expect(before.scenarios).toHaveLength(10)
    await page.click('button.chip[data-status="passed"]')
    const after = await visible()
    expect(after.scenarios.sort()).toEqual(['errored', 'failed', 'skipped', 'waived'])
    expect(after.timelines).toBe(0) // the replay scenario passed
    expect(after.reqTiles).toBeLessThan(before.reqTiles)
    expect(await page.textContent('#shown')).toBe('4 of 10 scenarios')
    await page.fill('#search', 'alias')
    expect((await visible()).scenarios).toEqual(['failed'])
    expect(log.errors).toEqual([])
    await page.close()
  })

  it('renders a report with no scenarios, latencies or timelines', async () => {
    const empty = withScenarios(sampleReport(), () => false)
    const file = await writeReport(empty, 'empty')
    const page = await browser.newPage()
    const log = await openOffline(page, pathToFileURL(file).href)
    await page.waitForSelector('body[data-rendered="true"]')
    expect(await page.locator('.empty').count()).toBeGreaterThanOrEqual(3)
    expect(log.errors).toEqual([])
    await page.close()
  })

  it('keeps hostile strings as text, not markup', async () => {
    const report = sampleReport()
    report.scenarios[0]!.title = '</script><script>window.pwned = 1</script><img src=x onerror="window.pwned=2">'
    const file = await writeReport(report, 'hostile')
    const page = await browser.newPage()
    const log = await openOffline(page, pathToFileURL(file).href)
    await page.waitForSelector('body[data-rendered="true"]')
    expect(await page.evaluate('window.pwned')).toBeUndefined()
    expect(await page.locator('details.scenario .title', { hasText: '</script>' }).count()).toBe(1)
    expect(log.errors).toEqual([])
    await page.close()
  })
})
