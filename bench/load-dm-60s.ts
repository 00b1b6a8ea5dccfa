/**
 * The 60-second direct-message runs against the bundled broker, through the
 * CLI: 2,000 devices at 200/s with every PUBACK immediate (the books must
 * balance exactly), then with 10% of the devices withholding PUBACK (their
 * requests must come back 504 at the 2 s timeout). Prints the CLI summary
 * of each and where the reports are.
 *
 *   npx tsx bench/load-dm-60s.ts [--duration-scale 1] [--workers 1] [--out results/load-bench]
 *
 * Same as `npx mqtt-harness load scenarios/load/dm-2000-devices.yaml` and
 * `... dm-withheld-puback.yaml` after a build.
 */
import { join } from 'node:path'
import { main } from '../runners/index.js'

const args = process.argv.slice(2)
const opt = (name: string, def: string) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1]! : def }
const out = opt('out', 'results/load-bench')
const codes: number[] = []
for (const name of ['dm-2000-devices', 'dm-withheld-puback']) {
  process.stdout.write(`\n== ${name} ==\n`)
  codes.push(await main(['load', join(import.meta.dirname, '..', 'scenarios', 'load', `${name}.yaml`), '--out', join(out, name), '--duration-scale', opt('duration-scale', '1'), '--workers', opt('workers', '1')]))
}
process.stdout.write(`\nexit codes: ${codes.join(', ')}\n`)
process.exit(Math.max(...codes))
