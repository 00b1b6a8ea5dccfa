/**
 * The requirement catalogue as data: spec/catalogue.json, generated from the
 * Markdown catalogue by scripts/build-catalogue.mjs, merged with the
 * hand-maintained wire/soft classification in catalogue-coverage.ts.
 * Schema first; types inferred.
 */
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import { catalogueCoverage, coverageEntrySchema } from './catalogue-coverage.js'

export { catalogueCoverage, coverageEntrySchema, type CoverageEntry } from './catalogue-coverage.js'


/**
 * Requirement ids as the catalogue writes them: upper-case words joined by `-`,
 * where a word may hold a dot (`KA-TIMEOUT-1.5X`) or be a hex literal with a
 * lower-case x (`ALIAS-OUT-OF-RANGE-0x94`).
 */
export const REQUIREMENT_ID_PATTERN = /^[A-Z][A-Z0-9]*(?:-(?:0x[0-9A-F]+|[A-Z0-9.]+))+$/

export const requirementIdSchema = z.string().regex(REQUIREMENT_ID_PATTERN)

/** Protocol surfaces an entry applies to, normalized from its Versions line. */
export const requirementVersionSchema = z.enum(['3.1.1', '5', 'http', 'transport', 'n/a'])
export type RequirementVersion = z.infer<typeof requirementVersionSchema>

/**
 * Where a statement comes from (catalogue section 0): the source documents
 * (SRC), public AWS documentation (DOC), both, third-party observation (OBS),
 * or our inference (INF).
 */
export const originTagSchema = z.enum(['SRC', 'DOC', 'SRC+DOC', 'OBS', 'INF'])
export type OriginTag = z.infer<typeof originTagSchema>

export const catalogueAreaSchema = z.strictObject({
  letter: z.string().regex(/^[A-Z]$/),
  name: z.string().min(1),
})
export type CatalogueArea = z.infer<typeof catalogueAreaSchema>

/** A section of the catalogue with the entry count its heading declares. */
export const catalogueSectionSchema = catalogueAreaSchema.extend({
  declaredCount: z.number().int().min(0),
  /** Free text between the section heading and its first entry (section M has one). */
  note: z.string().nullable(),
})
export type CatalogueSection = z.infer<typeof catalogueSectionSchema>

/** One numbered catalogue entry, as parsed from the Markdown. */
export const catalogueEntrySchema = z.strictObject({
  id: requirementIdSchema,
  number: z.number().int().min(1),
  area: catalogueAreaSchema,
  origin: originTagSchema,
  /** The Origin line verbatim, qualifiers included (`DOC (reaction: INF)`). */
  originText: z.string().min(1),
  /** The Origin line carries an INF qualifier: part or all of the statement is inferred. */
  inferred: z.boolean(),
  statement: z.string().min(1),
  versions: z.array(requirementVersionSchema).min(1),
  /** The Versions line verbatim; null where the entry has none (section M). */
  versionsText: z.string().nullable(),
  source: z.string().min(1),
  /** How to observe it (the Test line), or how the harness uses it (the Use line, section M). */
  test: z.string().min(1),
  testLabel: z.enum(['Test', 'Use']),
  /** Ids the heading cross-references, e.g. LIM-INFLIGHT → QOS1-INFLIGHT-100. */
  crossRefs: z.array(requirementIdSchema),
})
export type CatalogueEntry = z.infer<typeof catalogueEntrySchema>

/** A row of section O: two sources disagree, and how the harness resolves it. */
export const contradictionSchema = z.strictObject({
  id: z.string().regex(/^C\d+$/),
  topic: z.string().min(1),
  conflict: z.string().min(1),
  resolution: z.string().min(1),
})
export type Contradiction = z.infer<typeof contradictionSchema>

/** A row of section P, cells verbatim (`—` where the catalogue has no value). */
export const quotaSchema = z.strictObject({
  name: z.string().min(1),
  value: z.string().min(1),
  adjustable: z.string().min(1),
  evidence: z.string().min(1),
  confidence: z.string().min(1),
})
export type Quota = z.infer<typeof quotaSchema>

/** The whole of spec/catalogue.json. */
export const catalogueFileSchema = z.strictObject({
  $comment: z.string(),
  source: z.string(),
  /** The date the Markdown says it was compiled, if it says. */
  compiled: z.string().nullable(),
  areas: z.array(catalogueSectionSchema),
  requirements: z.array(catalogueEntrySchema),
  contradictions: z.array(contradictionSchema),
  quotas: z.array(quotaSchema),
})
export type CatalogueFile = z.infer<typeof catalogueFileSchema>

/** A catalogue entry with its coverage: what the rest of the harness works with. */
export const catalogueRequirementSchema = catalogueEntrySchema.extend({
  /** Observable through MQTT packets or HTTP data-plane exchanges. */
  wire: z.boolean(),
  /** Why it is not observable; present exactly when `wire` is false. */
  reason: z.string().min(1).optional(),
  /** Part of the expected reaction is inferred: mismatches there are soft deviations. */
  soft: z.boolean(),
  /** What is soft, or how it is checked. */
  note: z.string().min(1).optional(),
})
export type Requirement = z.infer<typeof catalogueRequirementSchema>

/** The loaded catalogue. */
export interface Catalogue {
  requirements: Requirement[]
  /** The catalogue's sections (A–M) with their declared entry counts. */
  areas: CatalogueSection[]
  contradictions: Contradiction[]
  quotas: Quota[]
  /** The requirement with this id, or undefined. */
  byId(id: string): Requirement | undefined
}

/**
 * Where catalogue.json lives relative to this module: next to it when running
 * from the sources, and ../../spec/ when running from dist/spec/ (tsc mirrors
 * the tree but does not copy JSON; the package ships spec/*.json).
 */
function defaultCatalogueFile(): string {
  const candidates = [new URL('./catalogue.json', import.meta.url), new URL('../../spec/catalogue.json', import.meta.url)]
  for (const candidate of candidates) {
    const file = fileURLToPath(candidate)
    if (existsSync(file)) return file
  }
  throw new Error(`spec/catalogue.json not found (looked in ${candidates.map((c) => fileURLToPath(c)).join(', ')})`)
}

/**
 * Merges coverage into entries. Every entry must be classified and every
 * classification must name an entry: a requirement without a wire verdict, or
 * a stale id left behind after the Markdown changed, is a bug to fix here,
 * not something to paper over with a default.
 */
export function mergeCoverage(entries: readonly CatalogueEntry[], coverage: Readonly<Record<string, unknown>>): Requirement[] {
  const ids = new Set(entries.map((e) => e.id))
  const unclassified = entries.filter((e) => !Object.hasOwn(coverage, e.id)).map((e) => e.id)
  const stale = Object.keys(coverage).filter((id) => !ids.has(id))
  if (unclassified.length || stale.length) {
    const parts = []
    if (unclassified.length) parts.push(`no classification for ${unclassified.join(', ')}`)
    if (stale.length) parts.push(`classification for unknown ids ${stale.join(', ')}`)
    throw new Error(`spec/catalogue-coverage.ts is out of step with spec/catalogue.json: ${parts.join('; ')}`)
  }
  return entries.map((entry) => {
    const parsed = coverageEntrySchema.safeParse(coverage[entry.id])
    if (!parsed.success) throw new Error(`spec/catalogue-coverage.ts: ${entry.id}: ${parsed.error.issues.map((i) => i.message).join('; ')}`)
    const c = parsed.data
    return {
      ...entry,
      wire: c.wire,
      ...(c.wire ? {} : { reason: c.reason }),
      soft: c.soft ?? false,
      ...(c.note !== undefined ? { note: c.note } : {}),
    }
  })
}

/**
 * Reads and validates spec/catalogue.json (or `file`), merges the coverage
 * classification, and indexes the result by id. Throws if the JSON does not
 * match its schema or the coverage is out of step with it.
 */
export function readCatalogue(file: string = defaultCatalogueFile()): Catalogue {
  const raw: unknown = JSON.parse(readFileSync(file, 'utf8'))
  const parsed = catalogueFileSchema.safeParse(raw)
  if (!parsed.success) {
    const first = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    throw new Error(`${file} does not match the catalogue schema: ${first.join('; ')}`)
  }
  const requirements = mergeCoverage(parsed.data.requirements, catalogueCoverage)
  const index = new Map(requirements.map((r) => [r.id, r]))
  return {
    requirements,
    areas: parsed.data.areas,
    contradictions: parsed.data.contradictions,
    quotas: parsed.data.quotas,
    byId: (id) => index.get(id),
  }
}
