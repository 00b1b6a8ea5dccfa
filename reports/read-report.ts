import { readFile } from 'node:fs/promises'
import { REPORT_SCHEMA_VERSION, runReportSchema, type RunReport } from '../spec/index.js'
import { ReportInvalidError, ReportVersionError } from './errors.js'
import { reportProblems } from './report-problems.js'

/** More problems than this are summarised: a wrong file would list hundreds. */
const MAX_PROBLEMS = 20

/**
 * Parses report.json text. `file` only names the source in errors.
 * @throws ReportInvalidError (HX_REPORT_INVALID) naming the file and each bad field
 * @throws ReportVersionError (HX_REPORT_VERSION) for another report schema version
 */
export function parseReport(text: string, file: string): RunReport {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new ReportInvalidError(file, [{ path: '', message: `not JSON (${(err as Error).message}); expected a report.json written by mqtt-harness` }])
  }
  // Checked before the schema so the message says "version" rather than listing every changed field.
  const version = typeof json === 'object' && json !== null ? (json as { schemaVersion?: unknown }).schemaVersion : undefined
  if (version !== undefined && version !== REPORT_SCHEMA_VERSION) {
    throw new ReportVersionError(`${file} has report schema version ${JSON.stringify(version)}; this mqtt-harness reads version ${REPORT_SCHEMA_VERSION}: re-run the report with a matching mqtt-harness`)
  }
  const parsed = runReportSchema.safeParse(json)
  if (!parsed.success) {
    const problems = reportProblems(parsed.error)
    const shown = problems.slice(0, MAX_PROBLEMS)
    if (problems.length > MAX_PROBLEMS) shown.push({ path: '…', message: `and ${problems.length - MAX_PROBLEMS} more problems` })
    throw new ReportInvalidError(file, shown)
  }
  return parsed.data
}

/**
 * Reads and validates a report.json.
 * @throws ReportInvalidError (HX_REPORT_INVALID) when it cannot be read, is not JSON or does not match the schema
 * @throws ReportVersionError (HX_REPORT_VERSION) for another report schema version
 */
export async function readReport(file: string): Promise<RunReport> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    throw new ReportInvalidError(file, [{ path: '', message: e.code === 'ENOENT' ? 'no such file' : `cannot read (${e.message})` }])
  }
  return parseReport(text, file)
}
