import { z } from 'zod'

/**
 * The versioned JSON report: the source every other format renders from, and
 * what `report merge` / `report diff` read back. Schema first; types inferred.
 * Bump REPORT_SCHEMA_VERSION on any incompatible change.
 */
export const REPORT_SCHEMA_VERSION = 1

/**
 * A scenario's verdict. `flaky`: it failed or errored, then passed on a retry
 * (`run --retries N`); never reported as passed.
 */
export const outcomeSchema = z.enum(['passed', 'failed', 'errored', 'skipped', 'waived', 'flaky'])
export type Outcome = z.infer<typeof outcomeSchema>

/** Worst first: a requirement takes the worst outcome of its scenarios. */
export const OUTCOME_SEVERITY: Record<Outcome, number> = { errored: 5, failed: 4, waived: 3, flaky: 2, skipped: 1, passed: 0 }

/**
 * A scenario's verdict on one requirement: an outcome of the steps that check
 * it, or `inconclusive` when the scenario stopped (a setup step, or another
 * requirement's assertion, failed) before reaching them. Inconclusive is
 * neither failed nor skipped: nothing was learnt about the requirement.
 */
export const requirementVerdictSchema = z.union([outcomeSchema, z.literal('inconclusive')])
export type RequirementVerdict = z.infer<typeof requirementVerdictSchema>

/** Severity of a verdict: inconclusive ranks between skipped and waived. */
export function verdictSeverity(v: RequirementVerdict): number {
  return v === 'inconclusive' ? 1.5 : OUTCOME_SEVERITY[v]
}

export const sourceLocationSchema = z.object({
  file: z.string(),
  line: z.number().int().min(1),
  col: z.number().int().min(1),
})
export type SourceLocation = z.infer<typeof sourceLocationSchema>

/** One packet or HTTP exchange seen by a client, for the failure's trace. */
export const traceEntrySchema = z.object({
  /** Milliseconds since the scenario started. */
  t: z.number(),
  client: z.string(),
  dir: z.enum(['in', 'out', 'event']),
  /** Decoded packet summary (cmd, topic, reasonCode, ...) or an event such as `closed`. */
  summary: z.record(z.string(), z.unknown()),
})
export type TraceEntry = z.infer<typeof traceEntrySchema>

export const failureSchema = z.object({
  message: z.string(),
  expected: z.unknown().optional(),
  actual: z.unknown().optional(),
  location: sourceLocationSchema.optional(),
  /** The step kind that failed, e.g. `expect`. */
  step: z.string().optional(),
  /** Requirement ids the failed step checks; empty for a setup step (its failure proves nothing about them). */
  checks: z.array(z.string()).optional(),
  trace: z.array(traceEntrySchema).optional(),
})
export type Failure = z.infer<typeof failureSchema>

export const stepResultSchema = z.object({
  index: z.number().int().min(0),
  kind: z.string(),
  status: outcomeSchema,
  durationMs: z.number().min(0),
  /** Latency the step measured (e.g. PUBLISH to PUBACK, request to response), if any. */
  latencyMs: z.number().min(0).optional(),
  location: sourceLocationSchema.optional(),
})
export type StepResult = z.infer<typeof stepResultSchema>

/** One sliding window of a rate check: the arrivals in [start, start + perMs). */
export const rateWindowSchema = z.object({ start: z.number(), count: z.number().int().min(0) })
export type RateWindow = z.infer<typeof rateWindowSchema>

/**
 * A sliding-window rate check as the runner computed it (runners/matching/rate-check.ts):
 * no window of `perMs` starting at an arrival may hold more than max + tolerance
 * arrivals. `peak` is the fullest such window, whether or not it broke the limit;
 * `windows` is every window examined, one per arrival in time order (what the
 * HTML chart draws; absent in reports written before it was recorded).
 */
export const rateCheckSchema = z.object({
  max: z.number().int().min(0),
  perMs: z.number().min(0),
  tolerance: z.number().int().min(0),
  peak: rateWindowSchema,
  passed: z.boolean(),
  windows: z.array(rateWindowSchema).optional(),
})
export type RateCheck = z.infer<typeof rateCheckSchema>

/** A named series of event times for timed behaviours (replay rate, expiry), in ms since scenario start. */
export const timelineSchema = z.object({
  name: z.string(),
  client: z.string().optional(),
  points: z.array(z.number()),
  /** The limit the assertion applied, in words, e.g. `at most 10 per 1000 ms (+1)`. */
  assertion: z.string().optional(),
  /** The same limit as data, with the observed peak window (what charts draw). */
  rate: rateCheckSchema.optional(),
})
export type Timeline = z.infer<typeof timelineSchema>

/** One earlier attempt of a retried scenario. */
export const attemptSchema = z.object({
  status: outcomeSchema,
  durationMs: z.number().min(0),
  failures: z.array(failureSchema),
})
export type Attempt = z.infer<typeof attemptSchema>

export const scenarioResultSchema = z.object({
  /** Unique in a run; includes the matrix cell, e.g. `retained-exact-match[version=5]`. */
  id: z.string(),
  title: z.string(),
  file: z.string(),
  location: sourceLocationSchema.optional(),
  status: outcomeSchema,
  requirements: z.array(z.string()),
  /**
   * Verdict per requirement, from the steps that check it (absent in reports
   * before attribution: every requirement then takes `status`).
   */
  verdicts: z.record(z.string(), requirementVerdictSchema).optional(),
  matrix: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  durationMs: z.number().min(0),
  failures: z.array(failureSchema),
  /** Why it was skipped (missing capability) or waived (declared deviation). */
  reason: z.string().optional(),
  steps: z.array(stepResultSchema),
  timelines: z.array(timelineSchema).optional(),
  /** Scenario tags (`tags:` in the file), for selection and grouping. */
  tags: z.array(z.string()).optional(),
  /**
   * Earlier attempts under `--retries`, oldest first, each one that did not
   * pass; the result's own fields are the last attempt. Present when retried.
   */
  attempts: z.array(attemptSchema).optional(),
})
export type ScenarioResult = z.infer<typeof scenarioResultSchema>

/**
 * A requirement's status in a run: the worst verdict of its scenarios;
 * `untested` when no scenario checks it; `not-selected` when scenarios check
 * it but none was selected for this run (`--grep`, `--shard`).
 */
export const requirementStatusSchema = z.union([requirementVerdictSchema, z.literal('untested'), z.literal('not-selected')])
export type RequirementStatus = z.infer<typeof requirementStatusSchema>

export const requirementResultSchema = z.object({
  id: z.string(),
  status: requirementStatusSchema,
  scenarios: z.array(z.string()),
  /** Why a requirement is not tested (not observable on the wire, not implemented...). */
  reason: z.string().optional(),
  /** The catalogue that defines it when it is not the built-in one (a user's own, `--catalogue`). */
  catalogue: z.string().optional(),
})
export type RequirementResult = z.infer<typeof requirementResultSchema>

export const summarySchema = z.object({
  total: z.number().int().min(0),
  passed: z.number().int().min(0),
  failed: z.number().int().min(0),
  errored: z.number().int().min(0),
  skipped: z.number().int().min(0),
  waived: z.number().int().min(0),
  /** Failed or errored, then passed on a retry. Absent in reports written before retries existed. */
  flaky: z.number().int().min(0).default(0),
})
export type Summary = z.infer<typeof summarySchema>

export const targetInfoSchema = z.object({
  kind: z.enum(['bundled', 'external']),
  name: z.string(),
  profile: z.string(),
  urls: z.record(z.string(), z.string()).default({}),
  /** Which reading of each source contradiction the profile applied (catalogue section O). */
  readings: z.record(z.string(), z.string()).default({}),
})
export type TargetInfo = z.infer<typeof targetInfoSchema>

export const runReportSchema = z.object({
  schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
  tool: z.object({ name: z.literal('mqtt-harness'), version: z.string() }),
  startedAt: z.string(),
  finishedAt: z.string(),
  durationMs: z.number().min(0),
  target: targetInfoSchema,
  shard: z.object({ index: z.number().int().min(1), total: z.number().int().min(1) }).optional(),
  summary: summarySchema,
  scenarios: z.array(scenarioResultSchema),
  requirements: z.array(requirementResultSchema),
})
export type RunReport = z.infer<typeof runReportSchema>
