/**
 * Every scenario can fail: the whole default corpus (scenarios/, without
 * scenarios/load/) against the bundled broker as documented, then once per
 * deliberate deviation (reference-broker/deviations.ts). Each deviation must
 * turn red every scenario tagged with an id it breaks and only a few others;
 * every scenario must be turned red by some deviation, or be listed in
 * not-caught-by-deviation.yaml with independent, checked evidence.
 *
 * The corpus and the deviation list are read as they are, so the test follows
 * both as they grow. The brokers are shared by worker processes (one per
 * core, HX_SWEEP_WORKERS), each running HX_SWEEP_CONCURRENCY scenarios at once
 * (default 64) over its brokers, 8 per broker; verdicts the sweep did not
 * expect are re-run alone before they count (see deviation-sweep.ts).
 * `npm run sweep:deviations` prints the same sweep by hand.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { deviations } from '../../reference-broker/index.js'
import { isClean, repoRoot, seconds } from './corpus.js'
import { caughtBy as isCatch, describeVerdict, entryCovers, expectedToFail, judgeDeviation, readNotCaught, sweepDeviations, type Sweep } from './deviation-sweep.js'
import { readBaseline } from './mosquitto.js'

/** Scenarios a deviation may fail besides those of the behaviour it breaks and its declared dependents. */
const MAX_OTHERS = 3
const WORKERS = process.env.HX_SWEEP_WORKERS ? Number(process.env.HX_SWEEP_WORKERS) : undefined
const CONCURRENCY = process.env.HX_SWEEP_CONCURRENCY ? Number(process.env.HX_SWEEP_CONCURRENCY) : undefined
/** HX_SWEEP_SCOPE=targeted (CI's budget): each deviation runs only its own cells, so its "others" are not counted. */
const SCOPE = process.env.HX_SWEEP_SCOPE === 'targeted' ? 'targeted' : 'full'

let sweep: Sweep

beforeAll(async () => {
  const lines: string[] = []
  sweep = await sweepDeviations({ scope: SCOPE, ...(WORKERS ? { workers: WORKERS } : {}), ...(CONCURRENCY ? { concurrency: CONCURRENCY } : {}), log: (l) => lines.push(l) })
  const reruns = [sweep.baseline, ...sweep.runs].flatMap((r) => r.rerun.map((x) => `${r.deviation ?? '(no deviation)'}: ${x.id} ${x.first} -> ${x.second} when run alone`))
  const perDeviation = sweep.runs.filter((r) => !r.error).map((run) => {
    const v = judgeDeviation(sweep, run)
    const list = (rs: { id: string }[]) => rs.map((r) => r.id).join(', ')
    return `  ${run.deviation}: failed ${v.caught.length} tagged cells${v.caught.length ? ` (${list(v.caught)})` : ''}`
      + `${v.greenCells.length ? `; green tagged cells ${list(v.greenCells)}` : ''}${v.notFailed.length ? `; NOT failed ${list(v.notFailed)}` : ''}`
      + `${v.dependents.length ? `; dependents ${list(v.dependents)}` : ''}${v.others.length ? `; others ${list(v.others)}` : ''}`
  })
  // Requirement-level evidence: an id whose own assertions ended `failed` under some deviation
  // (whichever it breaks) is shown able to fail; the rest are only inside scenarios that fail.
  const checked = new Set(sweep.scenarios.flatMap((s) => s.spec))
  const shown = new Set(sweep.runs.flatMap((r) => [...r.results.values()].flatMap((c) => Object.entries(c.verdicts ?? {}).filter(([, v]) => v === 'failed').map(([id]) => id))))
  const unshown = [...checked].filter((id) => !shown.has(id)).sort()
  console.log([
    `requirement ids whose own assertions failed under some deviation: ${checked.size - unshown.length} of ${checked.size} (the others only in scenarios some deviation fails${sweep.scope === 'targeted' ? '; a targeted sweep sees fewer' : ''}): ${unshown.join(' ')}`,
    `deviation sweep (${sweep.scope}): ${sweep.scenarios.length} scenario cells x ${sweep.runs.length + 1} brokers, ${[sweep.baseline, ...sweep.runs].reduce((n, r) => n + r.results.size, 0)} cells run, in ${seconds(sweep.durationMs)} (${sweep.workers} worker processes, ${sweep.concurrency} scenarios at once each; event loops busy ${sweep.eventLoopUtilization.map((u) => `${Math.round(u * 100)}%`).join(', ')})`,
    ...lines,
    'per deviation:',
    ...perDeviation,
    ...(reruns.length ? ['verdicts that changed when re-run alone (load-sensitive scenarios):', ...reruns.map((l) => `  ${l}`)] : []),
  ].join('\n'))
}, (SCOPE === 'full' ? 30 : 10) * 60_000)

describe('the corpus against the documented broker', () => {
  it('passes every scenario (or skips or waives it with a reason)', () => {
    const bad = [...sweep.baseline.results.values()].filter((r) => !isClean(r.status) || (r.status !== 'passed' && !r.message))
    expect(bad.map(describeVerdict), 'scenarios that do not pass against the bundled broker with no deviation').toEqual([])
  })
})

describe('each deliberate deviation', () => {
  it.each([...deviations.values()].filter((d) => !d.profile).map((d) => d.name))(SCOPE === 'full' ? '%s fails the scenarios of what it breaks (at least one), and at most 3 others' : '%s fails the scenarios of what it breaks (at least one; others not run: targeted sweep)', (name) => {
    const run = sweep.runs.find((r) => r.deviation === name)
    expect(run, `${name} was added after the sweep started`).toBeDefined()
    expect(run!.error, `the bundled broker could not start with ${name}`).toBeUndefined()
    const v = judgeDeviation(sweep, run!)
    expect(v.notFailed.map(describeVerdict), `scenarios tagged with ${v.deviation.breaks.join(', ')} with no failed cell, or an errored one, under ${name}`).toEqual([])
    // A requirement no corpus scenario can check (spec/catalogue-coverage.ts says why) is shown by a
    // broker test instead; test/corpus/deviation-references.test.ts checks that the file runs this deviation.
    if (!v.deviation.checkedBy) expect(v.caught.length, `no scenario of the corpus checks ${v.deviation.breaks.join(', ')}, so nothing shows that ${name} is detected`).toBeGreaterThan(0)
    if (SCOPE === 'full') expect(v.others.length, `scenarios failed under ${name} that check none of ${v.deviation.breaks.join(', ')}:\n${v.others.map(describeVerdict).join('\n')}`).toBeLessThanOrEqual(MAX_OTHERS)
  })
})

describe('every scenario', () => {
  /** Cell id → deviations that turn it red while it is tagged with an id they break. */
  function caughtBy(): Map<string, string[]> {
    const out = new Map<string, string[]>(sweep.scenarios.map((s) => [s.id, []]))
    for (const run of sweep.runs) {
      if (run.error) continue
      const d = deviations.get(run.deviation!)!
      for (const s of expectedToFail(d, sweep.scenarios)) if (isCatch(d, run.results.get(s.id)!)) out.get(s.id)!.push(d.name)
    }
    return out
  }

  it('is turned red by a deviation that breaks what it checks, or has checked evidence in not-caught-by-deviation.yaml', () => {
    const caught = caughtBy()
    const allow = readNotCaught()
    const missing = sweep.scenarios
      .filter((s) => caught.get(s.id)!.length === 0 && !allow.some((e) => entryCovers(e, s)))
      .map((s) => `${s.id} [${s.spec.join(', ')}] ${s.file}: ${describeVerdict(sweep.baseline.results.get(s.id)!)}`)
    expect(missing, 'scenarios no deviation turns red: add a deviation that breaks one of their ids (reference-broker/deviations.ts), or an entry with evidence to test/corpus/not-caught-by-deviation.yaml').toEqual([])
  })

  it('not-caught-by-deviation.yaml lists only uncaught scenarios, with evidence that checks out', () => {
    const caught = caughtBy()
    const problems: string[] = []
    const baselines = { 'mqtt-5': readBaseline('mqtt-5'), 'aws-iot-core': readBaseline('aws-iot-core') }
    for (const e of readNotCaught()) {
      const cells = sweep.scenarios.filter((s) => entryCovers(e, s))
      if (!cells.length) { problems.push(`${e.scenario}: no such scenario in the corpus`); continue }
      const uncaught = cells.filter((s) => caught.get(s.id)!.length === 0)
      if (!uncaught.length) { problems.push(`${e.scenario}: now caught by ${[...new Set(cells.flatMap((s) => caught.get(s.id)!))].join(', ')}; remove the entry`); continue }
      if (e.test && !existsSync(join(repoRoot, e.test))) problems.push(`${e.scenario}: evidence test ${e.test} does not exist`)
      if (e.mosquitto?.length) {
        for (const s of uncaught) {
          const failsOn = e.mosquitto.filter((p) => baselines[p]?.scenarios[s.id]?.status === 'failed')
          if (!failsOn.length) problems.push(`${s.id}: not recorded as failed in test/baselines/mosquitto-${e.mosquitto.join('/')}.yaml (${e.mosquitto.map((p) => baselines[p]?.scenarios[s.id]?.status ?? 'absent').join('/')})`)
        }
      }
    }
    expect(problems).toEqual([])
  })
})
