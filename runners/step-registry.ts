import { createStepDefinitionRegistry, type ErrorCode, type StepArgs, type StepDefinition, type StepDefinitionRegistry } from '../spec/index.js'
import type { StepContext, StepOutcome } from './step-context.js'

/** The runner side of one step kind: `run(args, ctx)` for the arguments its spec schema produced. */
export interface StepImplementation<A = unknown> {
  readonly kind: string
  run(args: A, ctx: StepContext): Promise<StepOutcome | void>
}

/** Pairs a step implementation with its spec definition so `args` is typed from the schema. */
export function defineStepRunner<D extends StepDefinition>(def: D, run: (args: StepArgs<D>, ctx: StepContext) => Promise<StepOutcome | void>): StepImplementation<StepArgs<D>> {
  return { kind: def.kind, run }
}

/** A step registry that does not line up with the spec's step kinds: a bug in mqtt-harness. */
export class StepRegistryError extends Error {
  readonly code = 'HX_STEP_REGISTRY' satisfies ErrorCode
  constructor(message: string) {
    super(message)
    this.name = 'StepRegistryError'
  }
}

/**
 * Every step kind with its implementation. Refuses a kind implemented twice,
 * a spec kind without an implementation, and an implementation without a spec
 * kind, so adding a kind means one schema file and one runner file, nothing else.
 */
export class StepRegistry {
  readonly #impls = new Map<string, StepImplementation>()

  constructor(readonly definitions: StepDefinitionRegistry, implementations: readonly StepImplementation<never>[]) {
    for (const impl of implementations) {
      if (this.#impls.has(impl.kind)) throw new StepRegistryError(`step kind "${impl.kind}" is implemented twice`)
      if (!definitions.get(impl.kind)) throw new StepRegistryError(`step kind "${impl.kind}" has an implementation but no schema in spec/steps/`)
      this.#impls.set(impl.kind, impl as unknown as StepImplementation)
    }
    const missing = definitions.kinds().filter((k) => !this.#impls.has(k))
    if (missing.length) throw new StepRegistryError(`step kinds without an implementation in runners/steps/: ${missing.join(', ')}`)
  }

  get(kind: string): StepImplementation {
    const impl = this.#impls.get(kind)
    if (!impl) throw new StepRegistryError(`unknown step kind "${kind}"`)
    return impl
  }
}

/** Registry of the spec's step kinds, given the implementations (runners/steps/index.ts supplies the built-ins). */
export function createStepRegistryFrom(implementations: readonly StepImplementation<never>[], definitions: StepDefinitionRegistry = createStepDefinitionRegistry()): StepRegistry {
  return new StepRegistry(definitions, implementations)
}
