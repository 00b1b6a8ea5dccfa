import { describe, expect, it } from 'vitest'
import { connectStep, createStepDefinitionRegistry } from '../../spec/index.js'
import { StepRegistry, StepRegistryError, defineStepRunner } from '../step-registry.js'
import { BUILTIN_STEPS, createStepRegistry } from '../steps/index.js'

describe('step registry', () => {
  it('pairs every spec step kind with exactly one implementation', () => {
    const registry = createStepRegistry()
    for (const kind of createStepDefinitionRegistry().kinds()) expect(registry.get(kind).kind).toBe(kind)
    expect(BUILTIN_STEPS.map((s) => s.kind).sort()).toEqual(createStepDefinitionRegistry().kinds().sort())
  })

  it('refuses a kind implemented twice', () => {
    const again = defineStepRunner(connectStep, async () => {})
    expect(() => new StepRegistry(createStepDefinitionRegistry(), [...BUILTIN_STEPS, again] as never)).toThrow(/"connect" is implemented twice/)
  })

  it('refuses a spec kind without an implementation', () => {
    const withoutWait = BUILTIN_STEPS.filter((s) => s.kind !== 'wait')
    expect(() => new StepRegistry(createStepDefinitionRegistry(), withoutWait as never)).toThrow(new StepRegistryError('step kinds without an implementation in runners/steps/: wait'))
  })

  it('refuses an implementation without a spec kind', () => {
    const stray = { kind: 'teleport', run: async () => {} }
    expect(() => new StepRegistry(createStepDefinitionRegistry(), [...BUILTIN_STEPS, stray] as never)).toThrow(/"teleport" has an implementation but no schema/)
  })
})
