import type { LoadReport } from '../../spec/index.js'

/** File name of the JSON load report (the source the other formats render from, and what load-merge reads). */
export const LOAD_JSON_FILE = 'load-report.json'

/** The load report as JSON text. */
export function renderLoadJson(r: LoadReport): string {
  return JSON.stringify(r, null, 2) + '\n'
}
