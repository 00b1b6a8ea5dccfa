/**
 * The second catalogue: every numbered normative statement ([MQTT-x.y.z-n])
 * of the OASIS MQTT 3.1.1 and 5.0 standards, as data (spec/mqtt-standard.json,
 * hand-maintained), in our own words, with the side it binds, whether a client
 * can observe it, and how AWS IoT Core relates to it. Schema first; types inferred.
 *
 * The same id names different statements in the two standards (MQTT-3.1.2-4
 * is about CleanSession 0 in 3.1.1 and Clean Start 1 in 5.0), so scenarios
 * reference a statement by a version-qualified id: `MQTT311-3.1.2-4`,
 * `MQTT5-3.1.2-4` (see statementRef). These fit REQUIREMENT_ID_PATTERN.
 */
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import { requirementIdSchema } from './catalogue.js'

export const mqttStandardVersionSchema = z.enum(['3.1.1', '5'])
export type MqttStandardVersion = z.infer<typeof mqttStandardVersionSchema>

/** RFC 2119 level: the strongest keyword the statement carries. */
export const statementLevelSchema = z.enum(['MUST', 'SHOULD', 'MAY'])
export type StatementLevel = z.infer<typeof statementLevelSchema>

/** Who the statement obliges: a server (broker), a client, or either side as sender or receiver. */
export const statementBindsSchema = z.enum(['server', 'client', 'both'])
export type StatementBinds = z.infer<typeof statementBindsSchema>

/**
 * How AWS IoT Core relates to a statement. AWS documents itself as an MQTT
 * 3.1.1 and 5.0 broker with listed differences, so a statement it does not
 * list as different is documented AWS behaviour too:
 * - `same`: no listed difference; `see` names catalogue entries that document the same behaviour outright.
 * - `overridden`: a catalogue behaviour (`by`) replaces the statement on AWS; `reason` says how.
 * - `undocumented`: AWS says nothing about the feature the statement governs; `note` says what is missing.
 */
export const awsRelationSchema = z.discriminatedUnion('relation', [
  z.strictObject({ relation: z.literal('same'), see: z.array(requirementIdSchema) }),
  z.strictObject({ relation: z.literal('overridden'), by: z.array(requirementIdSchema).min(1), reason: z.string().min(1) }),
  z.strictObject({ relation: z.literal('undocumented'), note: z.string().min(1) }),
])
export type AwsRelation = z.infer<typeof awsRelationSchema>

export const STATEMENT_ID_PATTERN = /^MQTT-\d+(?:\.\d+)*-\d+$/

/** One normative statement as stored. */
export const mqttStatementEntrySchema = z.strictObject({
  /** The standard's own id, e.g. MQTT-3.1.2-4. */
  id: z.string().regex(STATEMENT_ID_PATTERN),
  /** The section the id names, e.g. 3.1.2. */
  section: z.string().regex(/^\d+(?:\.\d+)*$/),
  level: statementLevelSchema,
  binds: statementBindsSchema,
  /** What the statement requires, in our words. */
  statement: z.string().min(1),
  /** A client (the harness) can decide it from the packets it exchanges with the server. */
  observable: z.boolean(),
  /** Why not; present exactly when `observable` is false. */
  reason: z.string().min(1).optional(),
  aws: awsRelationSchema,
}).refine((e) => e.observable === (e.reason === undefined), { error: 'reason is required exactly when observable is false' })
export type MqttStatementEntry = z.infer<typeof mqttStatementEntrySchema>

export const standardChapterSchema = z.strictObject({ number: z.string().regex(/^\d+(?:\.\d+)?$/), name: z.string().min(1) })
export type StandardChapter = z.infer<typeof standardChapterSchema>

export const mqttStandardSchema = z.strictObject({
  version: mqttStandardVersionSchema,
  title: z.string().min(1),
  source: z.string().min(1),
  url: z.url(),
  /** Report grouping: the first two levels of a section number (3.1, 4.7, 6.0). */
  chapters: z.array(standardChapterSchema).min(1),
  statements: z.array(mqttStatementEntrySchema).min(1),
})

export const mqttStandardFileSchema = z.strictObject({
  $comment: z.string(),
  standards: z.array(mqttStandardSchema).length(2),
})
export type MqttStandardFile = z.infer<typeof mqttStandardFileSchema>

/** A statement with what the rest of the harness derives from it. */
export interface MqttStatement extends MqttStatementEntry {
  version: MqttStandardVersion
  /** The version-qualified id scenarios use in `spec:`: MQTT311-3.1.2-4, MQTT5-3.1.2-4. */
  ref: string
  /** The chapter it is grouped under in reports (3.1 CONNECT). */
  chapter: StandardChapter
}

export interface MqttStandard {
  version: MqttStandardVersion
  title: string
  source: string
  url: string
  chapters: StandardChapter[]
  statements: MqttStatement[]
}

/** The loaded second catalogue. */
export interface MqttStandards {
  standards: MqttStandard[]
  /** Every statement of both versions. */
  statements: MqttStatement[]
  /** The statement with this version-qualified ref (MQTT5-3.1.2-4), or undefined. */
  byRef(ref: string): MqttStatement | undefined
}

const REF_PREFIX: Record<MqttStandardVersion, string> = { '3.1.1': 'MQTT311', '5': 'MQTT5' }

/** The version-qualified id of a statement: statementRef('5', 'MQTT-3.1.2-4') = 'MQTT5-3.1.2-4'. */
export function statementRef(version: MqttStandardVersion, id: string): string {
  return `${REF_PREFIX[version]}-${id.slice('MQTT-'.length)}`
}

/** The version a ref names, or undefined when it is not a statement ref. */
export function statementRefVersion(ref: string): MqttStandardVersion | undefined {
  if (ref.startsWith('MQTT311-')) return '3.1.1'
  if (ref.startsWith('MQTT5-')) return '5'
  return undefined
}

function chapterOf(section: string, chapters: readonly StandardChapter[]): StandardChapter | undefined {
  const parts = section.split('.')
  const key = parts.length >= 2 ? `${parts[0]}.${parts[1]}` : section
  return chapters.find((c) => c.number === key)
}

function defaultStandardFile(): string {
  const candidates = [new URL('./mqtt-standard.json', import.meta.url), new URL('../../spec/mqtt-standard.json', import.meta.url)]
  for (const candidate of candidates) {
    const file = fileURLToPath(candidate)
    if (existsSync(file)) return file
  }
  throw new Error(`spec/mqtt-standard.json not found (looked in ${candidates.map((c) => fileURLToPath(c)).join(', ')})`)
}

/**
 * Reads and validates spec/mqtt-standard.json (or `file`). `knownCatalogueIds`,
 * when given, must hold every catalogue id an `aws` relation names. Throws on
 * a schema problem, a duplicate id, a statement without a chapter, or an
 * unknown catalogue id.
 */
export function readMqttStandards(file: string = defaultStandardFile(), knownCatalogueIds?: ReadonlySet<string>): MqttStandards {
  const raw: unknown = JSON.parse(readFileSync(file, 'utf8'))
  const parsed = mqttStandardFileSchema.safeParse(raw)
  if (!parsed.success) {
    const first = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    throw new Error(`${file} does not match the MQTT standard schema: ${first.join('; ')}`)
  }
  const problems: string[] = []
  const standards: MqttStandard[] = parsed.data.standards.map((s) => {
    const seen = new Set<string>()
    const statements: MqttStatement[] = []
    for (const e of s.statements) {
      if (seen.has(e.id)) problems.push(`${s.version} ${e.id}: duplicate id`)
      seen.add(e.id)
      if (!e.id.startsWith(`MQTT-${e.section}-`)) problems.push(`${s.version} ${e.id}: section ${e.section} is not the one the id names`)
      const chapter = chapterOf(e.section, s.chapters)
      if (!chapter) { problems.push(`${s.version} ${e.id}: no chapter for section ${e.section}`); continue }
      const cited = e.aws.relation === 'same' ? e.aws.see : e.aws.relation === 'overridden' ? e.aws.by : []
      for (const id of cited) if (knownCatalogueIds && !knownCatalogueIds.has(id)) problems.push(`${s.version} ${e.id}: unknown catalogue id ${id}`)
      statements.push({ ...e, version: s.version, ref: statementRef(s.version, e.id), chapter })
    }
    return { version: s.version, title: s.title, source: s.source, url: s.url, chapters: s.chapters, statements }
  })
  if (problems.length) throw new Error(`${file}: ${problems.join('; ')}`)
  const all = standards.flatMap((s) => s.statements)
  const index = new Map(all.map((st) => [st.ref, st]))
  return { standards, statements: all, byRef: (ref) => index.get(ref) }
}
