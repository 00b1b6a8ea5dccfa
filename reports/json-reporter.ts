import { runReportSchema, type RunReport } from '../spec/index.js'
import { ReportInvalidError } from './errors.js'
import type { Reporter } from './reporter.js'
import { createFileReporter } from './write-report-file.js'
import { reportProblems } from './report-problems.js'

/** Options for {@link createJsonReporter}. */
export interface JsonReporterOptions {
  outDir: string
}

/** File name the JSON reporter writes in its folder. */
export const JSON_REPORT_FILE = 'report.json'

/**
 * The report every other format can be rendered from again (`report merge`,
 * `report diff`). It is validated against the schema before writing, so a
 * file on disk is always readable by `readReport`.
 */
export function renderJsonReport(report: RunReport, file = JSON_REPORT_FILE): string {
  const parsed = runReportSchema.safeParse(report)
  if (!parsed.success) throw new ReportInvalidError(file, reportProblems(parsed.error))
  // A bigint in expected/actual would make JSON.stringify throw and lose the whole report.
  return JSON.stringify(parsed.data, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2) + '\n'
}

/** Writes `report.json` in `outDir` at the end of the run. */
export function createJsonReporter(opts: JsonReporterOptions): Reporter {
  return createFileReporter('json', opts.outDir, JSON_REPORT_FILE, (report, outputFile) => renderJsonReport(report, outputFile))
}
