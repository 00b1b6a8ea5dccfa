import { runMosquitto } from '../test/corpus/mosquitto.js'
import { resolveRequirements } from '../reports/index.js'
import { writeFileSync } from 'node:fs'
const profile = (process.argv[2] ?? 'aws-iot-core') as 'aws-iot-core'
const run = await runMosquitto(profile, { concurrency: 16 })
const results = [...run.results.values()]
const reqs = resolveRequirements(results)
writeFileSync(`/tmp/verdicts-${profile}.json`, JSON.stringify({ results, reqs }, null, 1))
console.log(`done in ${Math.round(run.durationMs / 1000)} s`)
for (const r of reqs.sort((a, b) => a.id.localeCompare(b.id))) console.log(r.status.padEnd(13), r.id, r.scenarios.map((id) => { const s = results.find((x) => x.id === id)!; return `${id}:${s.status}` }).join(' '))
