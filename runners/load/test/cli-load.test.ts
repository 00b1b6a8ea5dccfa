import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { loadReportSchema } from '../../../spec/index.js'
import { main } from '../../cli.js'
import { startQueueingServer, tempFiles } from './helpers.js'

function captureStderr() {
  const chunks: string[] = []
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => { chunks.push(String(c)); return true })
  return { text: () => chunks.join(''), restore: () => spy.mockRestore() }
}
afterEach(() => vi.restoreAllMocks())
// The CLI prints its summary on stdout; keep the test output to the tests.
beforeEach(() => { vi.spyOn(process.stdout, 'write').mockImplementation(() => true) })

const good = `id: cli-load
title: CLI load run
devices: { count: 20, connectRate: 500/s }
stages:
  - { stage: ramp, duration: 1s, rate: 40/s }
  - { stage: steady, duration: 1s, rate: 40/s }
directMessage: { confirmation: true, timeout: 2 }
`

describe('mqtt-harness load (CLI)', () => {
  it('refuses an invalid scenario with file:line:col before anything runs (exit 2)', async () => {
    const dir = tempFiles({ 'bad.yaml': good.replace('rate: 40/s }\n  - {', 'rate: fast }\n  - {') + 'thresholds: ["p(99) << 5ms"]\n' })
    const err = captureStderr()
    const code = await main(['load', join(dir, 'bad.yaml'), '--out', join(dir, 'out')]).finally(() => err.restore())
    expect(code).toBe(2)
    expect(err.text()).toMatch(/bad\.yaml:5:40.*expected a rate/)
    expect(err.text()).toMatch(/bad\.yaml:8:22 thresholds\[0\]: expected a metric or a value, found "<"/)
    expect(err.text()).toContain('HX_SCENARIO_INVALID')
    expect(existsSync(join(dir, 'out'))).toBe(false)
  })

  it('rejects bad command lines (exit 2)', async () => {
    const dir = tempFiles({ 'load.yaml': good })
    const err = captureStderr()
    const codes = [
      await main(['load', join(dir, 'load.yaml'), '--shard', '3/2']),
      await main(['load', join(dir, 'load.yaml'), '--workers', '0']),
      await main(['load', join(dir, 'load.yaml'), '--duration-scale', 'x']),
    ]
    err.restore()
    expect(codes).toEqual([2, 2, 2])
    expect(err.text()).toContain('HX_CLI_USAGE')
  })

  it('passes, writes JSON, Markdown and a self-contained HTML report with charts (exit 0)', async () => {
    const dir = tempFiles({ 'load.yaml': good + 'thresholds: ["delivered == accepted", "p(99) < 5s"]\n' })
    const out = join(dir, 'out')
    expect(await main(['load', join(dir, 'load.yaml'), '--out', out, '--no-progress'])).toBe(0)
    const report = loadReportSchema.parse(JSON.parse(readFileSync(join(out, 'load-report.json'), 'utf8')))
    expect(report.dm!.planned).toBe(60)
    expect(report.verdict).toBe('passed')
    const md = readFileSync(join(out, 'load-report.md'), 'utf8')
    expect(md).toContain('# Load: CLI load run — passed')
    expect(md).toMatch(/\| 200 \| 60 \| 100\.0 % \|/)
    const html = readFileSync(join(out, 'load-report.html'), 'utf8')
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|https?:\/\/cdn/)
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'], timeout: 30_000 })
    try {
      const page = await browser.newPage()
      const errors: string[] = []
      const requests: string[] = []
      page.on('pageerror', (e) => errors.push(String(e)))
      await page.route('**', (r) => { requests.push(r.request().url()); return r.request().url().startsWith('file:') ? r.continue() : r.abort() })
      await page.goto(`file://${join(out, 'load-report.html')}`, { waitUntil: 'load' })
      expect(errors).toEqual([])
      expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([])
      // Chart.js drew into all four canvases (a drawn canvas has a chart instance).
      // (The function runs in the page, where window and document exist.)
      const charts = await page.evaluate(() => {
        const g = globalThis as unknown as { Chart: { getChart(el: unknown): unknown }; document: { getElementById(id: string): unknown } }
        return ['distribution', 'rates', 'outcomes', 'latency'].map((id) => Boolean(g.Chart.getChart(g.document.getElementById(`chart-${id}`))))
      })
      expect(charts).toEqual([true, true, true, true])
    } finally {
      await browser.close()
    }
  })

  it('a 200 with confirmation=true that no device received unbalances the books (exit 1)', async () => {
    // A fake data plane answers 200 without ever publishing to the device.
    const server = await startQueueingServer({ serviceMs: 1, workers: 8 })
    const { startReferenceBroker } = await import('../../../reference-broker/index.js')
    const broker = await startReferenceBroker({ wsPort: false, httpPort: false })
    try {
      const dir = tempFiles({
        'target.yaml': `name: liar\nmqtt: { url: "${broker.urls.mqtt}" }\nhttp: { url: "${server.url}" }\n`,
        'load.yaml': good.replace('stages:', 'drain: 0\nstages:'),
      })
      const code = await main(['load', join(dir, 'load.yaml'), '--target', join(dir, 'target.yaml'), '--out', join(dir, 'out'), '--no-progress'])
      expect(code).toBe(1)
      const report = loadReportSchema.parse(JSON.parse(readFileSync(join(dir, 'out', 'load-report.json'), 'utf8')))
      expect(report.verdict).toBe('books-unbalanced')
      expect(report.dm!.receipts.unconfirmed).toBe(60)
      expect(report.books.problems).toEqual([expect.stringContaining('60 requests answered 200 with confirmation=true but no device received them')])
    } finally {
      await Promise.all([server.close(), broker.close()])
    }
  })

  it('an unreachable target exits 3', async () => {
    const dir = tempFiles({ 'target.yaml': 'name: nobody\nmqtt: { url: "mqtt://127.0.0.1:1" }\nhttp: { url: "http://127.0.0.1:1" }\n', 'load.yaml': good })
    const err = captureStderr()
    const code = await main(['load', join(dir, 'load.yaml'), '--target', join(dir, 'target.yaml'), '--no-progress']).finally(() => err.restore())
    expect(code).toBe(3)
    expect(err.text()).toContain('HX_TARGET_UNREACHABLE')
  })
})
