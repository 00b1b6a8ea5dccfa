/**
 * The default scenario corpus (scenarios/, without scenarios/load/) as the
 * harness self-tests see it: loaded like `mqtt-harness run` loads it, and run
 * in process through the runner's library API (no CLI, no build).
 */
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { knownRequirementIds, readScenarios, type Outcome, type RunReport, type Scenario, type VarValue } from '../../spec/index.js'
import { runScenarios, type ResolvedTarget } from '../../runners/index.js'

/** The repository root (this file is test/corpus/corpus.ts). */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
export const scenariosDir = join(repoRoot, 'scenarios')

/**
 * Every scenario cell of the default corpus, validated with the given limits
 * (the target profile's) and the catalogue's ids. Throws with every problem
 * when a scenario is invalid, as `run` would exit 2.
 */
export async function readCorpus(limits: Readonly<Record<string, VarValue>>): Promise<Scenario[]> {
  const known = knownRequirementIds()
  const loaded = await readScenarios([scenariosDir], { limits, knownRequirements: known, excludeDirs: [join(scenariosDir, 'load')], cwd: repoRoot })
  if (!loaded.ok) throw new Error(`the corpus has invalid scenarios:\n${loaded.errors.map((e) => `${e.file}:${e.line}:${e.col} ${e.path}: ${e.message}`).join('\n')}`)
  return loaded.scenarios
}

/** Runs scenarios against an already resolved target (the caller tears it down). */
export async function runCorpus(scenarios: readonly Scenario[], target: ResolvedTarget, concurrency: number): Promise<RunReport> {
  return runScenarios(scenarios, target, { concurrency })
}

/** Runs `fn` over `items` with at most `limit` at once; results keep the items' order. */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i]!, i)
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker))
  return out
}

/** Text on one line, shortened to `max` characters. */
export function oneLine(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat
}

/** A status a scenario may end with when nothing is wrong. */
export function isClean(status: Outcome): boolean {
  return status === 'passed' || status === 'skipped' || status === 'waived'
}

/** Seconds with one decimal, for timing lines. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`
}
