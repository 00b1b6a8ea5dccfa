/**
 * The deliberate deviations' references hold (cheap; runs in `npm test`, while
 * the sweep itself is `npm run test:deviations`): every id a deviation breaks
 * is in the catalogue or the MQTT standards catalogue; a narrowed deviation names scenarios that exist and are
 * tagged with what it breaks; each dependents pattern matches some scenario; a
 * deviation shown by a broker test instead of a scenario names a test file
 * that runs it, for a requirement the coverage table says no scenario checks.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { deviations } from '../../reference-broker/index.js'
import type { Scenario } from '../../spec/index.js'
import { knownRequirementIds } from '../../spec/index.js'
import { repoRoot } from './corpus.js'
import { idMatches, readSweepCorpus, roleOf } from './deviation-sweep.js'

let scenarios: Scenario[]
beforeAll(async () => { scenarios = await readSweepCorpus() })

describe('deliberate deviations refer to what exists', () => {
  const all = [...deviations.values()]

  it('break catalogue ids or MQTT statement ids only', () => {
    const known = knownRequirementIds()
    expect(all.flatMap((d) => d.breaks.filter((id) => !known.has(id)).map((id) => `${d.name}: ${id}`))).toEqual([])
  })

  it('narrow to scenarios that exist and are tagged with an id they break', () => {
    const problems = all.flatMap((d) => (d.scenarios ?? []).flatMap((name) => {
      const cells = scenarios.filter((s) => s.baseId === name)
      if (!cells.length) return [`${d.name}: no scenario ${name}`]
      return cells.some((s) => roleOf(d, s) === 'expected') ? [] : [`${d.name}: ${name} is not tagged with any of ${d.breaks.join(', ')}`]
    }))
    expect(problems).toEqual([])
  })

  it('declare dependents that match some scenario, with a reason', () => {
    const problems = all.flatMap((d) => d.dependents
      ? [...d.dependents.ids.filter((p) => !scenarios.some((s) => s.spec.some((id) => idMatches(p, id)))).map((p) => `${d.name}: no scenario is tagged ${p}`),
         ...(d.dependents.why.length < 10 ? [`${d.name}: dependents without a reason`] : [])]
      : [])
    expect(problems).toEqual([])
  })

  it('of a plain-MQTT profile are shown by a broker test', () => {
    expect(all.filter((d) => d.profile && !d.checkedBy).map((d) => d.name)).toEqual([])
  })

  it('shown by a broker test only where no scenario checks the requirement, in a test that runs the deviation', () => {
    const problems = all.filter((d) => d.checkedBy).flatMap((d) => {
      const file = join(repoRoot, d.checkedBy!)
      if (!existsSync(file)) return [`${d.name}: ${d.checkedBy} does not exist`]
      const out: string[] = []
      if (!readFileSync(file, 'utf8').includes(`'${d.name}'`)) out.push(`${d.name}: ${d.checkedBy} does not run it`)
      const tested = scenarios.filter((s) => roleOf(d, s) === 'expected').map((s) => s.id)
      // A plain-MQTT profile's deviation is left out of the aws-iot-core sweep, so its scenarios need the test.
      if (tested.length && !d.profile) out.push(`${d.name}: scenarios ${tested.join(', ')} check what it breaks; drop checkedBy so the sweep judges them`)
      return out
    })
    expect(problems).toEqual([])
  })
})
