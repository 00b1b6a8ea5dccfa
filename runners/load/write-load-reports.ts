import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { LoadReport } from '../../spec/index.js'
import { LOAD_HTML_FILE, LOAD_JSON_FILE, LOAD_MARKDOWN_FILE, renderLoadHtml, renderLoadJson, renderLoadMarkdown } from '../../reports/index.js'

/** Writes the JSON (the source the others render from), Markdown and HTML load reports into `dir`. */
export async function writeLoadReports(report: LoadReport, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true })
  const files: [string, string][] = [
    [join(dir, LOAD_JSON_FILE), renderLoadJson(report)],
    [join(dir, LOAD_MARKDOWN_FILE), renderLoadMarkdown(report)],
    [join(dir, LOAD_HTML_FILE), await renderLoadHtml(report)],
  ]
  for (const [f, text] of files) await writeFile(f, text)
  return files.map(([f]) => f)
}
