import type { Command } from 'commander'
import { EXIT } from '../spec/index.js'
import { reportCliError } from './cli-errors.js'
import { readCliScenarios, profileForTarget } from './cli-inputs.js'

/** `mqtt-harness validate`: every problem in the scenario files, with file:line:col; exit 0 or 2. */
export function registerValidateCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('validate')
    .description('check scenario files without running them; lists every problem with file:line:col (exit 2)')
    .argument('[paths...]', 'scenario files or folders (default: scenarios/)')
    .option('--target <file|bundled>', 'target whose profile supplies ${limits.*}', 'bundled')
    .option('--profile <name|file>', 'profile supplying ${limits.*} for the bundled broker', 'aws-iot-core')
    .option('--catalogue <files>', 'your own requirement catalogue file(s), so scenarios may name its ids', (v: string, prev: string[] | undefined) => [...(prev ?? []), ...v.split(',').map((x) => x.trim()).filter(Boolean)])
    .action(async (paths: string[], opts: { target: string; profile: string; catalogue?: string[] }) => {
      try {
        const profile = await profileForTarget(opts)
        const { scenarios, files } = await readCliScenarios({ paths, ...opts }, profile)
        const bases = new Set(scenarios.map((s) => s.baseId))
        process.stdout.write(`${files.length} file${files.length === 1 ? '' : 's'}, ${bases.size} scenario${bases.size === 1 ? '' : 's'} (${scenarios.length} with matrix cells): valid\n`)
        setExit(EXIT.PASSED)
      } catch (err) {
        reportCliError(err, 'validate', setExit)
      }
    })
}
