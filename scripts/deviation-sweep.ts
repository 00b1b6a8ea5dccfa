/**
 * The deviation sweep by hand: the whole default corpus against the bundled
 * broker once per deliberate deviation, printing which scenarios each one
 * turned red. The same sweep runs in `npm test` (test/corpus/deviations.test.ts).
 *
 *   npx tsx scripts/deviation-sweep.ts [--workers 2] [--concurrency 64] [--per-broker 8] [deviation...]
 */
import { parseArgs } from 'node:util'
import { describeVerdict, judgeDeviation, sweepDeviations } from '../test/corpus/deviation-sweep.js'
import { seconds } from '../test/corpus/corpus.js'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { workers: { type: 'string' }, concurrency: { type: 'string' }, 'per-broker': { type: 'string' } },
})
const sweep = await sweepDeviations({
  ...(values.workers ? { workers: Number(values.workers) } : {}),
  ...(values.concurrency ? { concurrency: Number(values.concurrency) } : {}),
  ...(values['per-broker'] ? { perBroker: Number(values['per-broker']) } : {}),
  ...(positionals.length ? { names: positionals } : {}),
  log: (l) => console.log(l),
})
console.log(`\n${sweep.scenarios.length} scenario cells x ${sweep.runs.length + 1} brokers in ${seconds(sweep.durationMs)} (${sweep.workers} workers x ${sweep.concurrency} scenarios at once, ${sweep.perBroker} per broker; event loops busy ${sweep.eventLoopUtilization.map((u) => `${Math.round(u * 100)}%`).join(', ')})\n`)
const dirty = [...sweep.baseline.results.values()].filter((r) => r.status !== 'passed')
console.log(`(no deviation): ${dirty.length ? dirty.map(describeVerdict).join('\n  ') : 'all passed'}`)
for (const run of sweep.runs) {
  if (run.error) { console.log(`\n${run.deviation}: could not run: ${run.error}`); continue }
  const v = judgeDeviation(sweep, run)
  console.log(`\n${run.deviation} [breaks ${v.deviation.breaks.join(', ')}] ${seconds(run.durationMs)}`)
  console.log(`  caught (${v.caught.length}): ${v.caught.map((r) => r.id).join(', ') || '-'}`)
  if (v.greenCells.length) console.log(`  green cells of caught scenarios: ${v.greenCells.map((r) => r.id).join(', ')}`)
  if (v.notFailed.length) console.log(`  NOT failed (${v.notFailed.length}):\n    ${v.notFailed.map(describeVerdict).join('\n    ')}`)
  if (v.dependents.length) console.log(`  dependents failed (${v.dependents.length}; ${v.deviation.dependents!.why}): ${v.dependents.map((r) => r.id).join(', ')}`)
  if (v.others.length) console.log(`  others failed (${v.others.length}):\n    ${v.others.map(describeVerdict).join('\n    ')}`)
  if (run.rerun.length) console.log(`  re-run alone: ${run.rerun.map((x) => `${x.id} ${x.first} -> ${x.second}`).join(', ')}`)
}
