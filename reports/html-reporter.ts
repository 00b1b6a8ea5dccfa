import type { RunReport } from '../spec/index.js'
import { readChartJsSource } from './chart-js-source.js'
import { buildHtmlViewModel } from './html-view-model.js'
import { jsonForScript, renderHtmlPage } from './html-page.js'
import type { Reporter } from './reporter.js'
import { createFileReporter } from './write-report-file.js'

/** Options for {@link createHtmlReporter}. */
export interface HtmlReporterOptions {
  outDir: string
}

/** File name the HTML reporter writes in its folder. */
export const HTML_REPORT_FILE = 'report.html'

/** Options for {@link renderHtmlReport}. */
export interface RenderHtmlOptions {
  /** Chart.js UMD source; read from node_modules when absent. */
  chartJs?: string
}

/**
 * One self-contained page: the report embedded as JSON (script#report-data,
 * `{ report, view }`), Chart.js inlined, no network needed. Charts: outcomes,
 * requirement matrix by group, latency spread and histogram per step kind,
 * one timeline per timed behaviour with its rate limit; a status filter.
 */
export async function renderHtmlReport(report: RunReport, opts: RenderHtmlOptions = {}): Promise<string> {
  const chartJs = opts.chartJs ?? (await readChartJsSource())
  const dataJson = jsonForScript({ report, view: buildHtmlViewModel(report) })
  return renderHtmlPage({ report, dataJson, chartJs })
}

/** Writes `report.html` in `outDir` at the end of the run. */
export function createHtmlReporter(opts: HtmlReporterOptions): Reporter {
  return createFileReporter('html', opts.outDir, HTML_REPORT_FILE, (report) => renderHtmlReport(report))
}
