import type { Command } from 'commander'
import { EXIT } from '../spec/index.js'
import type { Scenario } from '../spec/index.js'
import { reportCliError } from './cli-errors.js'
import { catalogueRequirements, readCliScenarios, profileForTarget } from './cli-inputs.js'

interface Coverage {
  id: string
  scenarios: string[]
  reason?: string
}

/** Each catalogue requirement with the scenarios that check it (ids only scenarios name come last). */
function requirementCoverage(scenarios: readonly Scenario[], catalogue: readonly { id: string; reason?: string }[]): Coverage[] {
  const byId = new Map<string, Coverage>(catalogue.map((r) => [r.id, { id: r.id, scenarios: [], ...(r.reason ? { reason: r.reason } : {}) }]))
  for (const s of scenarios) {
    for (const id of s.spec) {
      const c = byId.get(id) ?? { id, scenarios: [] }
      if (!c.scenarios.includes(s.baseId)) c.scenarios.push(s.baseId)
      byId.set(id, c)
    }
  }
  return [...byId.values()]
}

/** `mqtt-harness list`: scenarios and requirements with their coverage. */
export function registerListCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('list')
    .description('list scenarios, and catalogue requirements with the scenarios covering them')
    .argument('[paths...]', 'scenario files or folders (default: scenarios/)')
    .option('--json', 'print JSON instead of text', false)
    .option('--uncovered', 'list only requirements no scenario checks', false)
    .action(async (paths: string[], opts: { json: boolean; uncovered: boolean }) => {
      try {
        const { scenarios } = await readCliScenarios({ paths }, await profileForTarget({}))
        // One entry per document; a matrix's cells may require different capabilities (mqtt-5, mqtt-3.1.1).
        const bases = [...new Map(scenarios.map((s) => [s.baseId, s])).values()].map((s) => ({
          ...s,
          requires: [...new Set(scenarios.filter((c) => c.baseId === s.baseId).flatMap((c) => c.requires))],
        }))
        let coverage = requirementCoverage(scenarios, catalogueRequirements())
        if (opts.uncovered) coverage = coverage.filter((c) => c.scenarios.length === 0)
        if (opts.json) {
          const list = bases.map((s) => ({ id: s.baseId, title: s.title, file: s.file, spec: s.spec, requires: s.requires, cells: scenarios.filter((c) => c.baseId === s.baseId).map((c) => c.id) }))
          process.stdout.write(JSON.stringify({ scenarios: list, requirements: coverage }, null, 2) + '\n')
          return setExit(EXIT.PASSED)
        }
        const lines: string[] = [`Scenarios (${bases.length}):`]
        for (const s of bases) {
          const cells = scenarios.filter((c) => c.baseId === s.baseId).length
          lines.push(`  ${s.baseId}${cells > 1 ? ` (${cells} cells)` : ''}  [${s.spec.join(', ')}]  ${s.file}`, `      ${s.title}${s.requires.length ? `  requires: ${s.requires.join(', ')}` : ''}`)
        }
        const covered = coverage.filter((c) => c.scenarios.length > 0).length
        lines.push('', `Requirements (${covered} of ${coverage.length} covered):`)
        for (const c of coverage) {
          lines.push(`  ${c.scenarios.length ? '✓' : '·'} ${c.id}${c.scenarios.length ? `  ${c.scenarios.join(', ')}` : c.reason ? `  untested: ${c.reason}` : '  untested: wire-observable, no scenario yet'}`)
        }
        process.stdout.write(lines.join('\n') + '\n')
        setExit(EXIT.PASSED)
      } catch (err) {
        reportCliError(err, 'list', setExit)
      }
    })
}
