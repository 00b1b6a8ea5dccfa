import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { HTML_REPORT_FILE } from './html-reporter.js'
import { JSON_REPORT_FILE } from './json-reporter.js'
import { JUNIT_REPORT_FILE } from './junit-reporter.js'
import { MARKDOWN_REPORT_FILE } from './markdown-reporter.js'

/** Every file the run reporters write into `--out`. */
export const REPORT_FILES: readonly string[] = [JSON_REPORT_FILE, JUNIT_REPORT_FILE, MARKDOWN_REPORT_FILE, HTML_REPORT_FILE]

/** A report file's temporary name while it is written (write-report-file.ts: `<file>.<pid>.tmp`). */
const TEMP_FILE = new RegExp(`^(?:${REPORT_FILES.map((f) => f.replace(/\./g, '\\.')).join('|')})\\.\\d+\\.tmp$`)

/**
 * Clean-then-write: removes from `outDir` the report files this tool writes
 * (REPORT_FILES and their temporary names), and nothing else, so a run with
 * fewer formats never leaves an earlier run's junit.xml or report.html beside
 * its own report.json. A missing folder is fine. Resolves to the removed names.
 */
export async function cleanReportFolder(outDir: string): Promise<string[]> {
  let names: string[]
  try {
    names = await readdir(outDir)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
  const ours = names.filter((n) => REPORT_FILES.includes(n) || TEMP_FILE.test(n))
  for (const n of ours) await rm(join(outDir, n), { force: true })
  return ours
}
