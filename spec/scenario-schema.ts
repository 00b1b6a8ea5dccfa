import { z } from 'zod'
import { REQUIREMENT_ID_PATTERN } from './catalogue.js'
import { capabilitySchema, type Capability } from './capabilities.js'
import { clientSchema, type ClientDecl } from './client-schema.js'
import { durationSchema } from './duration.js'
import type { SourceLocation } from './report-schema.js'
import type { StepDefinitionRegistry } from './step-definition.js'
import type { VarValue } from './variables.js'

/** Default scenario deadline: the whole scenario, every step included. */
export const DEFAULT_SCENARIO_TIMEOUT_MS = 30_000

export const scenarioIdSchema = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, { error: 'scenario ids are lower-case kebab-case: letters, digits, . _ -' })
export const clientNameSchema = z.string().regex(/^[A-Za-z][\w-]*$/, { error: 'client names start with a letter: letters, digits, _ and -' })

/** `matrix: { version: ['3.1.1', 5], qos: [0, 1] }`: one scenario result per combination. */
export const matrixSchema = z.record(
  z.string().regex(/^[A-Za-z_]\w*$/, { error: 'matrix keys are identifiers (used as ${matrix.KEY})' }),
  z.array(z.union([z.string(), z.number(), z.boolean()])).min(1),
)

/** `tags: [smoke, slow]`: labels for `run --tag` / `--exclude-tag`. */
export const tagSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, { error: 'tags are lower-case words: letters, digits, _ and -' })

export const waiveSchema = z.strictObject({
  reason: z.string().min(3).describe('Why the deviation is accepted (shown in reports)'),
})

/**
 * Every top-level field of a scenario document. `steps` is checked here only
 * as a list: each step is validated on its own against the step registry so
 * errors point at the step and argument (see parse-scenario-text.ts).
 */
export const scenarioHeaderSchema = z.strictObject({
  id: scenarioIdSchema,
  title: z.string().min(1),
  description: z.string().optional(),
  spec: z.array(z.string().regex(REQUIREMENT_ID_PATTERN, { error: 'expected a catalogue id like RET-EXACT-MATCH' })).min(1).describe('Catalogue ids this scenario checks'),
  requires: z.array(capabilitySchema).default([]),
  tags: z.array(tagSchema).default([]).describe('Labels for selection: run --tag smoke, --exclude-tag slow'),
  matrix: matrixSchema.optional(),
  timeout: durationSchema.default(DEFAULT_SCENARIO_TIMEOUT_MS).describe('Deadline for the whole scenario (default 30s)'),
  waive: waiveSchema.optional().describe('A declared deviation: a failure reports waived with this reason'),
  clients: z.record(clientNameSchema, clientSchema).default({}),
  steps: z.array(z.unknown()).min(1, { error: 'a scenario needs at least one step' }),
})

/** The full document schema (steps as a union of single-key mappings), for the editor JSON Schema. */
export function createScenarioDocumentSchema(registry: StepDefinitionRegistry) {
  return scenarioHeaderSchema.extend({ steps: z.array(registry.stepSchema()).min(1) })
}

/** One validated step: its kind, its parsed arguments, and where it is. */
export interface ScenarioStep {
  index: number
  kind: string
  /** Arguments as the step's schema produced them; runtime variables still in strings. */
  args: unknown
  location: SourceLocation
  /**
   * Requirement ids this step checks: its `checks:`, else the scenario's
   * `spec:` when the step asserts, else none (a setup step). A requirement's
   * verdict comes only from the steps that check it.
   */
  checks: string[]
}

/**
 * A scenario ready to run: one matrix cell, validated, `matrix.*` and
 * `limits.*` substituted. Runtime variables (`${prefix}`, `${clients.X.id}`,
 * `${i}`) remain in strings for the runner.
 */
export interface Scenario {
  /** Unique in a run: `name` or `name[version=5,qos=1]`. */
  id: string
  /** The document's `id`. */
  baseId: string
  title: string
  description?: string
  file: string
  location: SourceLocation
  spec: string[]
  /** `tags:` of the file (empty when none). */
  tags: string[]
  /** Declared `requires:` plus what the clients imply (mqtt-5, mqtt-3.1.1, tls, websocket). */
  requires: Capability[]
  matrix?: Record<string, VarValue>
  timeoutMs: number
  waive?: { reason: string }
  clients: Record<string, ClientDecl>
  steps: ScenarioStep[]
}
