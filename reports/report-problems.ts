import type { z } from 'zod'
import { zodProblems } from '../spec/index.js'
import type { ReportProblem } from './errors.js'

/** `scenarios[3].failures[0].location.line` from a zod issue path. */
function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`
    else out += out === '' ? String(key) : `.${String(key)}`
  }
  return out
}

/**
 * spec's zodProblems (unknown keys named, unions reported by their closest
 * branch) with each path written out, so a user can find the field in the file.
 */
export function reportProblems(error: z.ZodError): ReportProblem[] {
  return zodProblems(error.issues).map((p) => ({ path: formatIssuePath(p.path), message: p.message }))
}
