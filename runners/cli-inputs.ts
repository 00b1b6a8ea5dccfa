import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { loadProfile, type Profile } from '../reference-broker/index.js'
import type { DeclaredRequirement } from '../reports/index.js'
import { knownRequirementIds, readCatalogue, readScenarios, readUserCatalogue, type Scenario, type SourceIssue } from '../spec/index.js'
import { ScenarioInvalidError } from './errors.js'
import { readTargetFile } from './targets/external-target.js'
import { flattenLimits } from './targets/resolved-target.js'
import { packageRoot } from './package-info.js'

/** What `run`, `validate` and `list` read before anything runs. */
export interface CliInputOptions {
  paths: string[]
  target?: string
  profile?: string
  config?: string
  /** User catalogue files (`--catalogue`), besides the target file's `catalogue:`. */
  catalogue?: string[]
}

/** Default scenario folder; load scenarios (another runner) are excluded from a default run. */
const DEFAULT_SCENARIO_DIR = 'scenarios'
const LOAD_SCENARIO_DIR = 'scenarios/load'

/**
 * The profile whose limits scenarios see: the target file's, or `--profile`
 * for the bundled broker. Reads files only (no network), so scenario problems
 * are reported before a broker is started or reached.
 */
export async function profileForTarget(opts: Pick<CliInputOptions, 'target' | 'profile' | 'config'>): Promise<Profile> {
  if (!opts.target || opts.target === 'bundled') return loadProfile(opts.profile ?? 'aws-iot-core', opts.config)
  const t = await readTargetFile(opts.target)
  const base = dirname(resolve(opts.target))
  const isFile = t.profile.includes('/') || t.profile.endsWith('.yaml')
  return loadProfile(isFile ? resolve(base, t.profile) : t.profile, t.config ? resolve(base, t.config) : undefined)
}

/** A requirement a run knows without a scenario: id, why it may be untested, and its catalogue when not the built-in one. */
/** A requirement a catalogue declares (reports' DeclaredRequirement before any run gave it a status). */
export type KnownRequirement = Omit<DeclaredRequirement, 'status'>

/** Catalogue ids and untested reasons; empty when the catalogue cannot be read (spec ids are then not checked). */
export function catalogueRequirements(): KnownRequirement[] {
  try {
    return readCatalogue().requirements.map((r) => ({ id: r.id, ...(r.reason ? { reason: r.reason } : {}) }))
  } catch {
    return []
  }
}

/**
 * The built-in catalogue plus the user's own (`--catalogue`, and the target
 * file's `catalogue:` relative to it). A bad catalogue file is invalid input
 * (exit 2), every problem with file:line:col.
 */
export async function knownRequirements(opts: Pick<CliInputOptions, 'target' | 'catalogue'>): Promise<KnownRequirement[]> {
  const builtin = catalogueRequirements()
  const files = [...(opts.catalogue ?? [])]
  if (opts.target && opts.target !== 'bundled') {
    const t = await readTargetFile(opts.target)
    const own = t.catalogue === undefined ? [] : Array.isArray(t.catalogue) ? t.catalogue : [t.catalogue]
    files.push(...own.map((f) => resolve(dirname(resolve(opts.target!)), f)))
  }
  const builtinIds = new Set([...builtin.map((r) => r.id), ...(knownIds() ?? [])])
  const out = [...builtin]
  const issues: SourceIssue[] = []
  const seen = new Map<string, string>()
  for (const file of files) {
    const { catalogue, issues: found } = readUserCatalogue(file, builtinIds)
    issues.push(...found)
    for (const r of catalogue?.requirements ?? []) {
      if (seen.has(r.id)) { issues.push({ file, line: 1, col: 1, path: 'requirements', message: `${r.id} is also in catalogue ${seen.get(r.id)}` }); continue }
      seen.set(r.id, catalogue!.name)
      out.push({ id: r.id, catalogue: catalogue!.name, ...(r.untestedReason ? { reason: r.untestedReason } : {}) })
    }
  }
  if (issues.length) throw new ScenarioInvalidError(issues)
  return out
}

/** Ids a scenario's `spec:` may name (catalogue and MQTT standard statements); undefined when they cannot be read (spec ids are then not checked). */
function knownIds(): Set<string> | undefined {
  try {
    return knownRequirementIds()
  } catch {
    return undefined
  }
}

/** Loads and validates every scenario; throws ScenarioInvalidError listing all problems. */
/** The default corpus folder: ./scenarios, or else the scenarios shipped with the package. */
function defaultScenarioDir(): string | undefined {
  const shipped = packageRoot()
  return existsSync(DEFAULT_SCENARIO_DIR) ? DEFAULT_SCENARIO_DIR : shipped && existsSync(join(shipped, DEFAULT_SCENARIO_DIR)) ? join(shipped, DEFAULT_SCENARIO_DIR) : undefined
}

async function loadFrom(paths: string[], excludeDir: string, known: ReadonlySet<string>, profile: Profile) {
  return readScenarios(paths, {
    limits: flattenLimits(profile),
    knownRequirements: known,
    // Load scenarios have their own runner and format; a folder walk skips them.
    excludeDirs: [excludeDir],
  })
}

async function knownIdSet(opts: CliInputOptions): Promise<{ catalogue: KnownRequirement[]; known: Set<string> }> {
  const catalogue = await knownRequirements(opts)
  return { catalogue, known: new Set([...(knownIds() ?? []), ...catalogue.map((r) => r.id)]) }
}

export async function readCliScenarios(opts: CliInputOptions, profile: Profile): Promise<{ scenarios: Scenario[]; files: string[]; requirements: KnownRequirement[] }> {
  const { catalogue, known } = await knownIdSet(opts)
  const dir = defaultScenarioDir()
  if (opts.paths.length === 0 && !dir) throw new ScenarioInvalidError([{ file: DEFAULT_SCENARIO_DIR, line: 1, col: 1, path: '', message: 'no scenario paths given and no scenarios/ folder here' }])
  const result = opts.paths.length === 0 ? await loadFrom([dir!], join(dir!, 'load'), known, profile) : await loadFrom(opts.paths, LOAD_SCENARIO_DIR, known, profile)
  if (!result.ok) throw new ScenarioInvalidError(result.errors)
  return { scenarios: result.scenarios, files: result.files, requirements: catalogue }
}

/**
 * When explicit paths chose a part of the corpus (or other files): the
 * requirement ids the default corpus checks, so a run's report says
 * `not-selected`, not `untested`, for a requirement a scenario outside the
 * chosen paths checks. Empty without paths, or when the corpus does not load.
 */
export async function defaultCorpusChecks(opts: CliInputOptions, profile: Profile): Promise<ReadonlySet<string>> {
  const dir = defaultScenarioDir()
  if (opts.paths.length === 0 || !dir) return new Set()
  const corpus = await loadFrom([dir], join(dir, 'load'), (await knownIdSet(opts)).known, profile)
  return new Set(corpus.ok ? corpus.scenarios.flatMap((s) => s.spec) : [])
}
