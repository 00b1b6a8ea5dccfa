import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { z } from 'zod'
import { REQUIREMENT_ID_PATTERN } from './catalogue.js'
import { parseYamlSource, type SourceIssue } from './yaml-source.js'
import { zodProblems } from './zod-problems.js'

/**
 * A user's own requirement catalogue (YAML or JSON): ids, statements and
 * sources for a product's own behaviours, so its scenarios need not borrow a
 * built-in id. Added with `catalogue:` in a target file or `--catalogue FILE`;
 * reports show each catalogue apart.
 */
export const userCatalogueSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][\w.-]*$/, { error: 'a catalogue name is letters, digits, _ . -' }).describe('Shown in reports next to its requirements'),
  description: z.string().optional(),
  requirements: z.array(z.strictObject({
    id: z.string().regex(REQUIREMENT_ID_PATTERN, { error: 'expected an id like ACME-TELEMETRY-ECHO (upper-case words joined by -)' }),
    statement: z.string().min(1),
    source: z.string().min(1).optional().describe('Where the requirement comes from (a document, a ticket)'),
    /** Why no scenario can check it, if none can. */
    untestedReason: z.string().min(1).optional(),
  })).min(1),
})
export type UserCatalogue = z.output<typeof userCatalogueSchema>

/** Reads one user catalogue; problems carry file:line:col (duplicate ids included). */
export function readUserCatalogue(file: string, builtinIds: ReadonlySet<string> = new Set()): { catalogue?: UserCatalogue; issues: SourceIssue[] } {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    return { issues: [{ file, line: 1, col: 1, path: '', message: `cannot read the catalogue: ${(err as NodeJS.ErrnoException).code ?? err}` }] }
  }
  const { source, issues } = parseYamlSource(text, file)
  if (!source) return { issues }
  const parsed = userCatalogueSchema.safeParse(source.data)
  if (!parsed.success) return { issues: zodProblems(parsed.error.issues).map((p) => source.issue(p.path, p.message, { key: p.key })) }
  const seen = new Set<string>()
  const problems: SourceIssue[] = []
  parsed.data.requirements.forEach((r, i) => {
    if (builtinIds.has(r.id)) problems.push(source.issue(['requirements', i, 'id'], `${r.id} is a built-in catalogue id; give your requirement its own id`))
    else if (seen.has(r.id)) problems.push(source.issue(['requirements', i, 'id'], `${r.id} is listed twice in ${basename(file)}`))
    seen.add(r.id)
  })
  return problems.length ? { issues: problems } : { catalogue: parsed.data, issues: [] }
}
