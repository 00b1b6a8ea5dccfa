import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { RunReport } from '../../spec/index.js'
import { createConsoleReporter } from '../console-reporter.js'
import { diffReports } from '../diff.js'
import { renderHtmlReport } from '../html-reporter.js'
import { readChartJsSource } from '../chart-js-source.js'
import { renderJsonReport } from '../json-reporter.js'
import { renderJunitReport } from '../junit-reporter.js'
import { renderMarkdownReport } from '../markdown-reporter.js'
import { mergeReports } from '../merge.js'
import { parseReport } from '../read-report.js'
import { renderDiffMarkdown, renderDiffText } from '../render-diff.js'
import { CaptureStream } from './capture-stream.js'
import { runReportArbitrary } from './report-arbitrary.js'

/** Cell separators as GFM's table parser sees them: a `|` not preceded by a backslash. */
const separators = (line: string) => (line.match(/(?<!\\)\|/g) ?? []).length

/** Every table in `md` has the same number of cells on every row. */
function assertTablesIntact(md: string): void {
  let width: number | undefined
  let inFence = false
  for (const line of md.split('\n')) {
    if (/^`{3,}/.test(line)) inFence = !inFence
    if (inFence || !line.startsWith('| ')) { width = undefined; continue }
    const n = separators(line)
    width ??= n
    if (n !== width) throw new Error(`table row has ${n} separators, header ${width}: ${JSON.stringify(line)}`)
  }
}

const roundTrip = (r: RunReport) => JSON.parse(JSON.stringify(r)) as RunReport

describe('every format renders any valid report', () => {
  it('console, JSON, JUnit and Markdown', async () => {
    await fc.assert(fc.asyncProperty(runReportArbitrary, async (report) => {
      const stream = new CaptureStream(true, 60)
      const reporter = createConsoleReporter({ stream })
      await reporter.onRunStart?.({ total: report.scenarios.length, target: report.target, startedAt: report.startedAt })
      for (const s of report.scenarios) {
        await reporter.onScenarioStart?.({ id: s.id, title: s.title, file: s.file })
        await reporter.onScenarioEnd?.(s)
      }
      await reporter.onRunEnd?.(report)
      expect(stream.text).toContain(`(${report.summary.total} total)`)

      expect(parseReport(renderJsonReport(report), 'report.json')).toEqual(roundTrip(report))
      expect(renderJunitReport(report)).toMatch(/<\/testsuites>\n$/)
      assertTablesIntact(renderMarkdownReport(report))
    }), { numRuns: 150 })
  })

  it('HTML: the embedded data parses back and nothing closes a script early', async () => {
    const chartJs = await readChartJsSource()
    await fc.assert(fc.asyncProperty(runReportArbitrary, async (report) => {
      const html = await renderHtmlReport(report, { chartJs })
      expect(html.match(/<script/g)).toHaveLength(3)
      expect(html.match(/<\/script>/g)).toHaveLength(3)
      const data = /<script type="application\/json" id="report-data">([^<]*)<\/script>/.exec(html)
      expect(JSON.parse(data![1]!).report).toEqual(roundTrip(report))
    }), { numRuns: 60 })
  })

  it('merge and diff accept any valid reports', () => {
    fc.assert(fc.property(runReportArbitrary, runReportArbitrary, (a, b) => {
      const merged = mergeReports([a])
      expect(merged.summary.total).toBe(a.scenarios.length)
      const diff = diffReports(a, b)
      renderDiffText(diff)
      assertTablesIntact(renderDiffMarkdown(diff))
    }), { numRuns: 100 })
  })
})
