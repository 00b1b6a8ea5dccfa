import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  DuplicateStepKindError, STEP_DEFINITIONS, SCENARIO_JSON_SCHEMA_FILE, StepDefinitionRegistry, createStepDefinitionRegistry,
  defineStep, generateScenarioJsonSchema, parseDuration, scenarioJsonSchemaText,
} from '../index.js'

describe('scenario JSON Schema', () => {
  it('the committed spec/scenario.schema.json equals the generated one (run `npm run schema`)', () => {
    const committed = readFileSync(fileURLToPath(new URL(`../../${SCENARIO_JSON_SCHEMA_FILE}`, import.meta.url)), 'utf8')
    expect(committed).toBe(scenarioJsonSchemaText())
  })

  it('describes every step kind as a mapping with one kind key (plus checks: and setup:) and accepts variables for numbers', () => {
    const schema = generateScenarioJsonSchema() as { properties: { steps: { items: { anyOf: { properties: Record<string, unknown>; required: string[]; additionalProperties: boolean }[] } } } }
    const variants = schema.properties.steps.items.anyOf
    expect(variants.map((v) => Object.keys(v.properties)[0]).sort()).toEqual(STEP_DEFINITIONS.map((d) => d.kind).sort())
    for (const v of variants) {
      expect(Object.keys(v.properties).filter((k) => k !== 'checks' && k !== 'setup')).toHaveLength(1)
      expect(v.required).toEqual([Object.keys(v.properties)[0]])
      expect(v.additionalProperties).toBe(false)
    }
    expect(JSON.stringify(schema)).toContain('"pattern":"^\\\\$\\\\{[^}]+\\\\}$"')
  })
})

describe('step definition registry', () => {
  it('refuses a kind registered twice', () => {
    const dup = defineStep({ kind: 'connect', description: 'again', schema: z.string() })
    expect(() => createStepDefinitionRegistry([dup])).toThrow(DuplicateStepKindError)
    expect(() => new StepDefinitionRegistry([dup, dup])).toThrow(/registered twice/)
  })

  it('has one definition per YAML key', () => {
    const kinds = createStepDefinitionRegistry().kinds()
    expect(new Set(kinds).size).toBe(kinds.length)
    expect(kinds).toEqual(expect.arrayContaining(['connect', 'disconnect', 'subscribe', 'unsubscribe', 'publish', 'send', 'expect', 'expect-nothing', 'expect-closed', 'http', 'expect-http', 'wait', 'wait-for']))
  })
})

describe('durations', () => {
  it.each([['500ms', 500], ['2s', 2000], ['1.5s', 1500], ['1m', 60_000], [250, 250]] as const)('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms)
  })
  it.each(['2', 'soon', '1.s', '-1s', -5])('%s is not a duration', (text) => {
    expect(parseDuration(text)).toBeUndefined()
  })
})
