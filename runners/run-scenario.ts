import type { Capability, Failure, Outcome, Scenario, ScenarioResult, StepResult } from '../spec/index.js'
import { ExpectationFailure, HarnessError, ScenarioTimeoutError } from './errors.js'
import { WaitAbortedError } from './adapters/inbox.js'
import { requirementVerdicts } from './requirement-verdicts.js'
import { ScenarioSession } from './scenario-session.js'
import type { StepRegistry } from './step-registry.js'
import type { ResolvedTarget } from './targets/resolved-target.js'

export interface RunScenarioOptions {
  registry: StepRegistry
  runId: string
  index: number
}

/** The capabilities that say a target lacks a feature (a scenario requiring one is written for that server). */
const ABSENCES: ReadonlySet<string> = new Set(['no-retained', 'no-wildcard-subscriptions', 'maximum-qos-0'])

/**
 * Features every scenario assumes unless it is written for their absence: on a target lacking
 * one (Maximum QoS 0, Wildcard Subscription Available 0 [MQTT5-3.2.2-10] [MQTT311-3.8.3-2]),
 * such a scenario is skipped for the missing feature, never failed for it.
 */
const ASSUMED: ReadonlyArray<{ lacking: string; feature: string }> = [
  { lacking: 'maximum-qos-0', feature: 'qos1' },
  { lacking: 'no-wildcard-subscriptions', feature: 'wildcard-subscriptions' },
]

/** Capabilities the scenario needs that the target lacks, the assumed features included. */
export function missingCapabilities(scenario: Scenario, target: ResolvedTarget): string[] {
  const missing: string[] = scenario.requires.filter((c) => !target.capabilities.has(c))
  if (scenario.requires.some((c) => ABSENCES.has(c))) return missing
  for (const { lacking, feature } of ASSUMED) if (target.capabilities.has(lacking as Capability)) missing.push(feature)
  return missing
}

function classify(err: unknown): { status: Outcome; failure: Omit<Failure, 'location' | 'step' | 'trace'> } {
  if (err instanceof ExpectationFailure) {
    return { status: 'failed', failure: { message: err.message, ...(err.expected !== undefined ? { expected: err.expected } : {}), ...(err.actual !== undefined ? { actual: err.actual } : {}) } }
  }
  if (err instanceof HarnessError) return { status: 'errored', failure: { message: `${err.message} (${err.code})` } }
  // Anything else is a bug or an unexpected library error: errored, with the message only.
  return { status: 'errored', failure: { message: `internal error: ${(err as Error)?.message ?? String(err)}` } }
}

/**
 * Runs one scenario (one matrix cell) to a verdict: skipped when the target
 * lacks a capability, else every step in order until one fails. The
 * scenario's deadline aborts whatever step is running (errored, naming the
 * step); teardown always runs and closes every client.
 */
export async function runScenario(scenario: Scenario, target: ResolvedTarget, opts: RunScenarioOptions): Promise<ScenarioResult> {
  const base = {
    id: scenario.id,
    title: scenario.title,
    file: scenario.file,
    location: scenario.location,
    requirements: scenario.spec,
    ...(scenario.matrix ? { matrix: scenario.matrix } : {}),
    ...(scenario.tags?.length ? { tags: scenario.tags } : {}),
  }
  const missing = missingCapabilities(scenario, target)
  if (missing.length) {
    return { ...base, status: 'skipped', verdicts: requirementVerdicts(scenario, [], 'skipped'), durationMs: 0, failures: [], reason: `target ${target.info.name} lacks ${missing.join(', ')}`, steps: [] }
  }
  const session = new ScenarioSession(scenario, target, { runId: opts.runId, index: opts.index })
  const steps: StepResult[] = []
  const failures: Failure[] = []
  let status: Outcome = 'passed'
  let running = -1
  const timer = setTimeout(() => {
    const step = scenario.steps[running]
    session.controller.abort(new ScenarioTimeoutError(`scenario did not finish within its timeout of ${scenario.timeoutMs} ms${step ? ` (step ${running} \`${step.kind}\` at ${step.location.file}:${step.location.line} was running)` : ''}`))
  }, scenario.timeoutMs)
  const aborted = new Promise<never>((_, reject) => {
    session.signal.addEventListener('abort', () => reject(session.signal.reason), { once: true })
  })
  aborted.catch(() => {})
  try {
    for (const step of scenario.steps) {
      running = step.index
      session.stepIndex = step.index
      const started = session.now()
      const result: StepResult = { index: step.index, kind: step.kind, status: 'passed', durationMs: 0, location: step.location }
      try {
        if (session.signal.aborted) throw session.signal.reason
        const run = opts.registry.get(step.kind).run(step.args, session)
        run.catch(() => {})
        const outcome = await Promise.race([run, aborted])
        if (outcome?.latencyMs !== undefined) result.latencyMs = Math.round(outcome.latencyMs * 100) / 100
      } catch (thrown) {
        // A wait woken by the deadline reports the deadline, not "aborted".
        const err = thrown instanceof WaitAbortedError || (session.signal.aborted && !(thrown instanceof ExpectationFailure)) ? session.signal.reason : thrown
        // A close right after bytes that are no MQTT belongs in the failure's trace.
        await session.settle()
        const c = classify(err)
        result.status = c.status
        status = c.status
        failures.push({ ...c.failure, location: step.location, step: step.kind, checks: step.checks, trace: session.trace.tail() })
      }
      result.durationMs = Math.round((session.now() - started) * 100) / 100
      steps.push(result)
      if (status !== 'passed') break
    }
  } finally {
    clearTimeout(timer)
    await session.close()
  }
  for (const step of scenario.steps.slice(steps.length)) {
    steps.push({ index: step.index, kind: step.kind, status: 'skipped', durationMs: 0, location: step.location })
  }
  let reason: string | undefined
  if (scenario.waive && status === 'failed') {
    status = 'waived'
    reason = scenario.waive.reason
  }
  return {
    ...base,
    status,
    verdicts: requirementVerdicts(scenario, steps, status),
    durationMs: Math.round(session.now() * 100) / 100,
    failures,
    ...(reason ? { reason } : {}),
    steps,
    ...(session.timelines.length ? { timelines: session.timelines } : {}),
  }
}
