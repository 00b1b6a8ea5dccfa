import type { ErrorCode } from './error-codes.js'
import { z } from 'zod'
import type { ClientDecl } from './client-schema.js'
import type { DocPath } from './yaml-source.js'

/** What a step's cross-reference check can see: the scenario's clients and earlier declarations. */
export interface StepCheckContext {
  clients: Readonly<Record<string, ClientDecl>>
  /** Names given with `as:` by earlier `http` steps. */
  httpNames: Set<string>
}

/** A problem found by a step's check; the path is relative to the step's arguments. */
export interface StepProblem {
  path: DocPath
  message: string
}

/**
 * One step kind of the scenario language: the YAML key, its argument schema
 * (schema first; the runner's implementation infers its types from it) and
 * the cross-reference checks the schema cannot express.
 */
export interface StepDefinition<S extends z.ZodType = z.ZodType> {
  /** The YAML key, e.g. `expect-nothing`. */
  readonly kind: string
  readonly description: string
  readonly schema: S
  /** Checks after the schema passed: referenced clients exist, raw-only steps target raw clients... */
  check?(args: z.output<S>, ctx: StepCheckContext): StepProblem[]
  /**
   * Whether a step with these arguments asserts something about the broker
   * (and so checks the scenario's requirements unless it says `checks:` or
   * `setup: true`). Absent: never (the step only sets up or acts).
   */
  asserts?(args: z.output<S>): boolean
}

/**
 * Keys a step may carry beside its kind: which requirements it checks.
 * `checks: [ID, ...]` (ids from the scenario's `spec:`) overrides the default
 * (the whole `spec:` for an assertion, nothing for a setup step); `setup: true`
 * says the step only sets up, whatever it expects, so its failure makes the
 * scenario inconclusive for its requirements rather than failed.
 */
export const STEP_ATTRIBUTION_KEYS = ['checks', 'setup'] as const
export const stepAttributionShape = {
  checks: z.array(z.string().min(1)).min(1).optional().describe('Requirement ids (from spec:) this step checks; default: all of spec: for an assertion, none for a setup step'),
  setup: z.literal(true).optional().describe('This step only sets up: its failure makes the scenario inconclusive, not failed'),
}

/** Identity helper that keeps the schema's type for the runner's implementation. */
export function defineStep<S extends z.ZodType>(def: StepDefinition<S>): StepDefinition<S> {
  return def
}

/** The arguments a step definition's schema produces. */
export type StepArgs<D> = D extends StepDefinition<infer S> ? z.output<S> : never

/** A step kind registered twice: a programming error in mqtt-harness. */
export class DuplicateStepKindError extends Error {
  readonly code = 'HX_STEP_DUPLICATE' satisfies ErrorCode
  constructor(kind: string) {
    super(`step kind "${kind}" is registered twice`)
    this.name = 'DuplicateStepKindError'
  }
}

/** The step kinds of the language, by YAML key. Refuses duplicates. */
export class StepDefinitionRegistry {
  readonly #defs = new Map<string, StepDefinition>()

  constructor(defs: readonly StepDefinition[] = []) {
    for (const d of defs) this.register(d)
  }

  register(def: StepDefinition): this {
    if (this.#defs.has(def.kind)) throw new DuplicateStepKindError(def.kind)
    this.#defs.set(def.kind, def)
    return this
  }

  get(kind: string): StepDefinition | undefined {
    return this.#defs.get(kind)
  }

  kinds(): string[] {
    return [...this.#defs.keys()]
  }

  definitions(): StepDefinition[] {
    return [...this.#defs.values()]
  }

  /** A schema for one step (a single-key mapping of any registered kind), for the JSON Schema. */
  stepSchema(): z.ZodType {
    const variants = this.definitions().map((d) => z.strictObject({ [d.kind]: d.schema.describe(d.description), ...stepAttributionShape }))
    if (variants.length === 0) return z.never()
    if (variants.length === 1) return variants[0]!
    return z.union(variants as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]])
  }
}

/** A problem for a client name that the scenario does not declare. */
export function checkClientRef(name: string | undefined, ctx: StepCheckContext, path: DocPath = ['client']): StepProblem[] {
  if (name === undefined || name in ctx.clients) return []
  const known = Object.keys(ctx.clients)
  return [{ path, message: `client "${name}" is not declared under clients:${known.length ? ` (declared: ${known.join(', ')})` : ' (none declared)'}` }]
}
