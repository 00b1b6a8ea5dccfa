import { z } from 'zod'
import { PolicyInvalidError } from '../errors.js'

/**
 * The subset of the AWS IoT / IAM policy language the reference broker
 * evaluates: Allow/Deny statements over Action and Resource (string or list,
 * `*` and `?` wildcards, `${iot:ClientId}`), with StringEquals / StringLike
 * conditions on `iot:Topic` and `iot:ClientId`. Anything outside the subset
 * (NotAction, other operators or keys) is refused when the policy is loaded,
 * so a policy never silently means less than its author wrote.
 */

export const CONDITION_OPERATORS = ['StringEquals', 'StringLike'] as const
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number]
/** Condition keys, lower-cased (IAM key names are case-insensitive). */
export const CONDITION_KEYS = ['iot:topic', 'iot:clientid'] as const
export type ConditionKey = (typeof CONDITION_KEYS)[number]

/** IAM lets a single value stand for a one-element list; normalising first gives precise error paths. */
const oneOrMore = <T extends z.ZodType>(item: T) => z.preprocess((v) => (Array.isArray(v) ? v : [v]), z.array(item).min(1))
const stringOrList = oneOrMore(z.string())

const statementSchema = z.strictObject({
  Sid: z.string().optional(),
  Effect: z.enum(['Allow', 'Deny']),
  Action: stringOrList,
  Resource: stringOrList,
  Condition: z.record(z.string(), z.record(z.string(), stringOrList)).optional(),
})

/** A policy document as written in the AWS docs (`Version`, `Statement`). */
export const policyDocumentSchema = z.strictObject({
  Version: z.string().optional(),
  Id: z.string().optional(),
  Statement: oneOrMore(statementSchema),
})

export interface CompiledCondition {
  operator: ConditionOperator
  key: ConditionKey
  values: string[]
}

export interface CompiledStatement {
  effect: 'Allow' | 'Deny'
  sid?: string
  actions: string[]
  resources: string[]
  conditions: CompiledCondition[]
}

/** A validated policy, ready for the engine. */
export interface CompiledPolicy {
  name: string
  statements: CompiledStatement[]
}

/**
 * Validates a parsed policy document and compiles it. Throws
 * PolicyInvalidError naming the policy, the JSON path and the problem.
 */
export function compilePolicy(name: string, document: unknown, source = name): CompiledPolicy {
  const parsed = policyDocumentSchema.safeParse(document)
  if (!parsed.success) {
    throw new PolicyInvalidError(source, parsed.error.issues.map((i) => `policy ${name}: ${i.path.join('.') || '(root)'}: ${i.message}`))
  }
  const problems: string[] = []
  const statements = parsed.data.Statement.map((raw, index): CompiledStatement => {
    const conditions: CompiledCondition[] = []
    for (const [operator, block] of Object.entries(raw.Condition ?? {})) {
      if (!(CONDITION_OPERATORS as readonly string[]).includes(operator)) {
        problems.push(`policy ${name}: Statement[${index}].Condition: operator ${operator} is not supported (use ${CONDITION_OPERATORS.join(' or ')})`)
        continue
      }
      for (const [key, values] of Object.entries(block)) {
        const lower = key.toLowerCase()
        if (!(CONDITION_KEYS as readonly string[]).includes(lower)) {
          problems.push(`policy ${name}: Statement[${index}].Condition.${operator}: key ${key} is not supported (use iot:Topic or iot:ClientId)`)
          continue
        }
        conditions.push({ operator: operator as ConditionOperator, key: lower as ConditionKey, values })
      }
    }
    const statement: CompiledStatement = { effect: raw.Effect, actions: raw.Action, resources: raw.Resource, conditions }
    if (raw.Sid !== undefined) statement.sid = raw.Sid
    return statement
  })
  if (problems.length > 0) throw new PolicyInvalidError(source, problems)
  return { name, statements }
}
