import { z } from 'zod'
import { createScenarioDocumentSchema } from './scenario-schema.js'
import type { StepDefinitionRegistry } from './step-definition.js'
import { createStepDefinitionRegistry } from './steps/index.js'

/** Where the generated schema is committed (relative to the package root). */
export const SCENARIO_JSON_SCHEMA_FILE = 'spec/scenario.schema.json'

/**
 * The JSON Schema editors use for scenario files (e.g. with
 * `# yaml-language-server: $schema=../spec/scenario.schema.json`). Generated
 * from the zod schemas (input side: what authors write), never by hand.
 */
export function generateScenarioJsonSchema(registry: StepDefinitionRegistry = createStepDefinitionRegistry()): Record<string, unknown> {
  const schema = allowVariables(z.toJSONSchema(createScenarioDocumentSchema(registry), { io: 'input', unrepresentable: 'any' })) as Record<string, unknown>
  return {
    ...schema,
    $id: 'https://github.com/mqtt-harness/mqtt-harness/spec/scenario.schema.json',
    title: 'mqtt-harness scenario',
    description: 'One behaviour per file: clients, steps (one key each), expectations on decoded packets. Variables: ${prefix}, ${clients.NAME.id}, ${matrix.KEY}, ${limits.NAME}, ${i}.',
  }
}

/** The schema as the committed file's text (stable key order, trailing newline). */
export function scenarioJsonSchemaText(registry?: StepDefinitionRegistry): string {
  return JSON.stringify(generateScenarioJsonSchema(registry), null, 2) + '\n'
}

const VARIABLE = { type: 'string', pattern: '^\\$\\{[^}]+\\}$', description: 'A variable such as ${matrix.qos} or ${limits.topicAliasMaximum}' }

/**
 * Numbers and booleans may be written as one variable (`qos: ${matrix.qos}`):
 * the loader substitutes before it validates, so the editor schema accepts a
 * `${...}` string wherever a number or boolean goes.
 */
function allowVariables(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(allowVariables)
  if (node === null || typeof node !== 'object') return node
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(node)) out[k] = k === 'pattern' || k === 'const' || k === 'enum' ? v : allowVariables(v)
  const scalar = out.type === 'number' || out.type === 'integer' || out.type === 'boolean' || typeof out.const === 'number' || typeof out.const === 'boolean'
  if (!scalar) return out
  const { description, default: def, ...rest } = out
  return { ...(description !== undefined ? { description } : {}), ...(def !== undefined ? { default: def } : {}), anyOf: [rest, VARIABLE] }
}
