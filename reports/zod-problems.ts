import type { z } from 'zod'
import type { ReportProblem } from './errors.js'

/** `scenarios[3].failures[0].location.line` from a zod issue path. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`
    else out += out === '' ? String(key) : `.${String(key)}`
  }
  return out
}

/** One problem per zod issue, each naming the field, so a user can find it in the file. */
export function zodProblems(error: z.ZodError): ReportProblem[] {
  return error.issues.map((issue) => ({ path: formatIssuePath(issue.path), message: issue.message }))
}
