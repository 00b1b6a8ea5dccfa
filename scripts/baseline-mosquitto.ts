/**
 * `npm run baseline:mosquitto [-- mqtt-5|aws-iot-core]`: runs the default
 * corpus against a fresh mosquitto with each profile's expectations and
 * rewrites test/baselines/mosquitto-<profile>.yaml. The `why` of every entry
 * whose verdict did not change is kept; new and changed ones are marked
 * UNREVIEWED with the failure, to be replaced by a reviewed line before
 * committing (the baseline test refuses UNREVIEWED entries).
 */
import { writeFileSync } from 'node:fs'
import { relative } from 'node:path'
import { repoRoot, seconds } from '../test/corpus/corpus.js'
import { MOSQUITTO_PROFILES, UNREVIEWED, baselineFile, baselineFrom, diffBaseline, diffRequirements, readBaseline, renderBaseline, runMosquitto, type MosquittoProfile } from '../test/corpus/mosquitto.js'

const asked = process.argv.slice(2)
const bad = asked.filter((p) => !(MOSQUITTO_PROFILES as readonly string[]).includes(p))
if (bad.length) {
  console.error(`unknown profile ${bad.join(', ')}; use ${MOSQUITTO_PROFILES.join(' or ')}`)
  process.exit(2)
}
const profiles = (asked.length ? asked : MOSQUITTO_PROFILES) as MosquittoProfile[]
await Promise.all(profiles.map(async (profile) => {
  const previous = readBaseline(profile)
  const run = await runMosquitto(profile, { concurrency: 16 })
  const next = baselineFrom(profile, run.results, previous)
  const changes = previous ? [...diffBaseline(previous, run.results), ...diffRequirements(previous, run.results).map((c) => `requirement ${c}`)] : [`(new baseline, ${run.results.size} scenarios)`]
  writeFileSync(baselineFile(profile), renderBaseline(next))
  const unreviewed = [...Object.entries(next.scenarios), ...Object.entries(next.requirements)].filter(([, e]) => e.why?.startsWith(UNREVIEWED)).map(([id]) => id)
  console.log(`${relative(repoRoot, baselineFile(profile))}: ${Object.entries(next.summary).map(([k, v]) => `${v} ${k}`).join(', ')} in ${seconds(run.durationMs)}`)
  for (const c of changes) console.log(`  ${c}`)
  if (unreviewed.length) console.log(`  review the why of ${unreviewed.length}: ${unreviewed.join(', ')}`)
}))
