import { readdir, readFile, stat } from 'node:fs/promises'
import { join, relative, resolve, sep } from 'node:path'
import { parseScenarioText } from './parse-scenario-text.js'
import type { Scenario } from './scenario-schema.js'
import type { StepDefinitionRegistry } from './step-definition.js'
import { createStepDefinitionRegistry } from './steps/index.js'
import { parseYamlSource, type SourceIssue } from './yaml-source.js'
import type { VarValue } from './variables.js'

export interface ReadScenariosOptions {
  /** The target profile's limits, flat (`topicAliasMaximum`, `sessions.expirySeconds`...), for `${limits.*}`. */
  limits: Readonly<Record<string, VarValue>>
  /** Step kinds; default: the built-in registry. */
  registry?: StepDefinitionRegistry
  /** Catalogue ids; when given, unknown `spec:` ids are errors. */
  knownRequirements?: ReadonlySet<string>
  /** Folders skipped while walking a directory (absolute or relative to cwd), e.g. `scenarios/load`. */
  excludeDirs?: readonly string[]
  /** Base for the `file` names in results and errors (default: cwd). */
  cwd?: string
  /** For `${env.NAME}` (default: process.env). */
  env?: Readonly<Record<string, string | undefined>>
}

export type ReadScenariosResult =
  | { ok: true; scenarios: Scenario[]; files: string[] }
  | { ok: false; errors: SourceIssue[]; files: string[] }

const YAML_FILE = /\.ya?ml$/i

/**
 * Loads scenario files and folders (recursively, `*.yaml`/`*.yml`, sorted),
 * validates everything, expands matrices, and returns either every scenario
 * or every problem (file:line:col, document path, message). Nothing runs
 * until this returns ok.
 */
export async function readScenarios(paths: readonly string[], opts: ReadScenariosOptions): Promise<ReadScenariosResult> {
  const cwd = opts.cwd ?? process.cwd()
  const registry = opts.registry ?? createStepDefinitionRegistry()
  const exclude = (opts.excludeDirs ?? []).map((d) => resolve(cwd, d))
  const errors: SourceIssue[] = []
  const files: string[] = []
  for (const p of paths) {
    const abs = resolve(cwd, p)
    try {
      files.push(...(await collect(abs, exclude, true)))
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      errors.push({ file: p, line: 1, col: 1, path: '', message: code === 'ENOENT' ? 'no such file or directory' : `cannot read: ${code ?? String(err)}` })
    }
  }
  const unique = [...new Set(files)]
  const scenarios: Scenario[] = []
  const seen = new Map<string, Scenario>()
  for (const abs of unique) {
    const file = relative(cwd, abs) || abs
    const text = await readFile(abs, 'utf8')
    const { scenarios: found, issues } = parseScenarioText(text, file, { limits: opts.limits, registry, knownRequirements: opts.knownRequirements, ...(opts.env ? { env: opts.env } : {}) })
    errors.push(...issues)
    for (const s of found) {
      const first = seen.get(s.baseId)
      if (first && first.file !== s.file) {
        errors.push({ ...s.location, path: 'id', message: `duplicate scenario id "${s.baseId}" (first in ${first.location.file}:${first.location.line}:${first.location.col})` })
        continue
      }
      if (!first) seen.set(s.baseId, s)
      scenarios.push(s)
    }
  }
  const fileNames = unique.map((f) => relative(cwd, f) || f)
  return errors.length ? { ok: false, errors, files: fileNames } : { ok: true, scenarios, files: fileNames }
}

async function collect(abs: string, exclude: string[], explicit: boolean): Promise<string[]> {
  // A path given explicitly inside an excluded folder is walked anyway: the user asked for it.
  const active = explicit ? exclude.filter((e) => !(abs === e || abs.startsWith(e + sep))) : exclude
  if (!explicit && active.some((e) => abs === e || abs.startsWith(e + sep))) return []
  const st = await stat(abs)
  if (st.isFile()) return explicit || YAML_FILE.test(abs) ? [abs] : []
  if (!st.isDirectory()) return []
  const entries = (await readdir(abs)).sort()
  const out: string[] = []
  for (const name of entries) {
    if (name.startsWith('.')) continue
    out.push(...(await collect(join(abs, name), active, false)))
  }
  return out
}

/** Formats an issue the way the CLI prints it: `file:line:col path: message`. */
export function formatIssue(issue: SourceIssue): string {
  return `${issue.file}:${issue.line}:${issue.col}${issue.path ? ` ${issue.path}` : ''}: ${issue.message}`
}

export { parseYamlSource }
