import { describe, expect, it } from 'vitest'
import { runFuzz, type FuzzReport } from './fuzz/index.js'

/**
 * The protocol fuzzer within the test suite's budget (about 30 s): mutated
 * and random MQTT 3.1.1 and 5 traffic against the broker in a child process,
 * a healthy pair alongside. `npm run fuzz -- --inputs N --seed S` is the long
 * run. HX_FUZZ_SEED replays a printed seed.
 */
type Round = Omit<Parameters<typeof runFuzz>[0], 'seed' | 'log'>

/** Runs one bounded round and checks what every round must show: inputs sent, nothing lost, no failure. */
async function fuzzRound(label: string, round: Round): Promise<FuzzReport> {
  const seed = Number(process.env.HX_FUZZ_SEED ?? Date.now() % 2 ** 31)
  const lines: string[] = []
  const report = await runFuzz({ ...round, seed, log: (l) => lines.push(l) })
  console.log(`${label}: seed ${seed}, ${report.inputs} inputs (${report.inputsPerSecond}/s), failures ${report.failures}, healthy ${report.healthySent} sent / ${report.healthyLost} lost, outcomes ${JSON.stringify(report.outcomes)}`)
  if (report.counterexample) console.log(report.counterexample)
  expect(report.inputs).toBeGreaterThan(0)
  expect(report.healthySent).toBeGreaterThan(0)
  expect(report.failures, `seed ${seed}: ${report.counterexample ?? lines.join('\n')}`).toBe(0)
  expect(report.healthyLost).toBe(0)
  return report
}

describe('protocol fuzzer (bounded)', () => {
  it('no input crashes the broker, trips an internal error, stops it accepting connections or costs the healthy pair a message', async () => {
    await fuzzRound('protocol fuzz', { inputs: 3000, batch: 100, concurrency: 16, timeLimitMs: 20_000 })
  }, 120_000)

  it('over WebSocket too: inputs cut into separate WebSocket messages, the probe and the healthy pair on the WebSocket listener (about 5 s)', async () => {
    const report = await fuzzRound('protocol fuzz over WebSocket', { inputs: 600, batch: 60, concurrency: 12, timeLimitMs: 5000, transport: 'ws' })
    expect(report.transport).toBe('ws')
    // The broker answered over WebSocket: some inputs ended with its PINGRESP, not only closes.
    expect(report.outcomes.answered).toBeGreaterThan(0)
  }, 60_000)

  it('under the mqtt-5 profile too: QoS 2, enhanced authentication (HX-CHALLENGE) and the other paths AWS IoT Core lacks (about 6 s)', async () => {
    const report = await fuzzRound('protocol fuzz under mqtt-5', { inputs: 1000, batch: 100, concurrency: 16, timeLimitMs: 6000, profile: 'mqtt-5' })
    // The broker answered under this profile: some inputs ended with its PINGRESP.
    expect(report.outcomes.answered).toBeGreaterThan(0)
  }, 60_000)
})
