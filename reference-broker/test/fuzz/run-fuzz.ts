import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import fc from 'fast-check'
import { ChildBroker, healthyPair, probe, sendInput, targetUrl, type FuzzTarget, type FuzzTransport, type HealthyPair, type InputOutcome } from './fuzz-env.js'
import { fuzzInput, type FuzzInput } from './mutations.js'

export interface FuzzOptions {
  /** Inputs to send in all (each is one connection's traffic). */
  inputs: number
  seed: number
  /** Inputs per batch; the broker's health is checked after each batch. */
  batch?: number
  /** Connections open at once. */
  concurrency?: number
  /** Stop early after this long (the run still reports what it did). */
  timeLimitMs?: number
  /** MQTT over TCP (default) or over WebSocket: the fuzz inputs, the probe and the healthy pair all use it. */
  transport?: FuzzTransport
  /** The broker's bundled profile (default aws-iot-core). */
  profile?: string
  /** Saves every shrunk counterexample to regressions.json. */
  saveRegressions?: boolean
  log?: (line: string) => void
}

export interface FuzzReport {
  seed: number
  transport: FuzzTransport
  /** fast-check seeds of the rounds run (seed, seed+1, ...); a failure names its own. */
  seeds: number[]
  inputs: number
  elapsedMs: number
  inputsPerSecond: number
  /** Broker process deaths, refused probes, caught internal errors, lost healthy messages: must be 0. */
  failures: number
  /** Messages the healthy pair published and lost over the run. */
  healthySent: number
  healthyLost: number
  outcomes: Record<InputOutcome, number>
  /** fast-check's report of the first failure (seed, path, shrunk counterexample), if any. */
  counterexample: string | null
}

const REGRESSIONS = fileURLToPath(new URL('./regressions.json', import.meta.url))

export interface Regression {
  note: string
  version: 4 | 5
  frames: string[]
}

export function loadRegressions(): Regression[] {
  return JSON.parse(readFileSync(REGRESSIONS, 'utf8')) as Regression[]
}

/** Sends every saved regression input to the broker, checking after each that it still accepts connections. */
export async function replayRegressions(to: number | FuzzTarget): Promise<number> {
  const list = loadRegressions()
  for (const r of list) {
    await sendInput(to, { version: r.version, frames: r.frames, cuts: [] }, 1000)
    await probe(to).catch((err: Error) => { throw new Error(`after regression "${r.note}": ${err.message}`) })
  }
  return list.length
}

async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!)
  }))
}

/**
 * The protocol fuzzer: batches of fuzz inputs (fast-check) against the
 * reference broker in a child process, a healthy client pair publishing beside
 * them. A batch fails when the broker process dies, logs a caught internal
 * error, stops accepting connections, or the pair loses a message; fast-check
 * then shrinks the batch (restarting the broker for every try) and reports
 * the seed and the smallest input list that still fails.
 */
export async function runFuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const log = opts.log ?? (() => {})
  const batchMax = opts.batch ?? 100
  const concurrency = opts.concurrency ?? 16
  const transport = opts.transport ?? 'tcp'
  const started = Date.now()
  const outcomes: Record<InputOutcome, number> = { closed: 0, answered: 0, deadline: 0 }
  let sentInputs = 0
  let failures = 0
  let healthySent = 0
  let healthyLost = 0
  let shrinking = false
  let env: { broker: ChildBroker; pair: HealthyPair } | null = null
  let lastReport = started

  const stopEnv = async () => {
    if (!env) return
    healthySent += env.pair.sent
    healthyLost += env.pair.lost
    env.pair.close()
    await env.broker.stop()
    env = null
  }
  const ensureEnv = async () => {
    if (env) return env
    const broker = await ChildBroker.start(opts.profile)
    env = { broker, pair: await healthyPair(targetUrl(broker.target(transport))) }
    return env
  }
  const overBudget = () => sentInputs >= opts.inputs || (opts.timeLimitMs !== undefined && Date.now() - started > opts.timeLimitMs)

  const property = fc.asyncProperty(fc.array(fuzzInput(), { minLength: 1, maxLength: batchMax, size: 'max' }), async (inputs) => {
    if (!shrinking && overBudget()) return
    const { broker, pair } = await ensureEnv()
    try {
      pair.startPublishing()
      await pool(inputs, concurrency, async (input) => {
        outcomes[await sendInput(broker.target(transport), input)]++
        sentInputs++
      })
      await pair.stopPublishing()
      broker.check()
      await probe(broker.target(transport))
      await pair.drain()
      broker.check()
    } catch (caught) {
      // A dead broker explains everything else (a publish never acknowledged, a refused probe): say that.
      let err = caught as Error
      try { broker.check() } catch (brokerErr) { err = brokerErr as Error }
      failures++
      shrinking = true
      log(`failure (${failures}): ${(err as Error).message.split('\n')[0]}`)
      await stopEnv()
      throw err
    }
    if (Date.now() - lastReport > 10_000) {
      lastReport = Date.now()
      log(`${sentInputs} inputs, ${Math.round(sentInputs / ((Date.now() - started) / 1000))}/s, failures ${failures}`)
    }
  })

  let counterexample: string | null = null
  // Batches are 1..batch inputs long (about batch/2 on average): rounds of fast-check runs, each
  // with its own seed (seed, seed+1, ...), until the input budget is spent or a failure is found.
  const seeds: number[] = []
  try {
    while (!overBudget() && counterexample === null) {
      const roundSeed = opts.seed + seeds.length
      seeds.push(roundSeed)
      const numRuns = Math.ceil((opts.inputs - sentInputs) / (batchMax / 2)) + 1
      // Shrinking restarts the broker for every failing try: bounded too when the run is.
      const interruptAfterTimeLimit = opts.timeLimitMs === undefined ? undefined : Math.max(1000, opts.timeLimitMs - (Date.now() - started) + 60_000)
      const details = await fc.check(property, { seed: roundSeed, numRuns, interruptAfterTimeLimit })
      if (details.failed) {
        counterexample = fc.defaultReportMessage(details) ?? String(details.errorInstance)
        log(counterexample)
        const found = details.counterexample?.[0]
        if (found && opts.saveRegressions) saveRegressions(found, `found by npm run fuzz (fast-check seed ${roundSeed})`)
      }
    }
  } finally {
    await stopEnv()
  }
  const elapsedMs = Date.now() - started
  return {
    seed: opts.seed, transport, seeds, inputs: sentInputs, elapsedMs, inputsPerSecond: Math.round(sentInputs / (elapsedMs / 1000)),
    failures, healthySent, healthyLost, outcomes, counterexample,
  }
}

function saveRegressions(inputs: FuzzInput[], note: string): void {
  const list = loadRegressions()
  for (const i of inputs) list.push({ note, version: i.version, frames: i.frames })
  writeFileSync(REGRESSIONS, JSON.stringify(list, null, 2) + '\n')
}
