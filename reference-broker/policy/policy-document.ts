import { z } from 'zod'
import { PolicyInvalidError } from '../errors.js'

/**
 * The subset of the AWS IoT / IAM policy language the reference broker
 * evaluates: Allow/Deny statements over Action and Resource (string or list,
 * `*` and `?` wildcards, `${iot:ClientId}`), with StringEquals / StringLike
 * conditions on `iot:Topic` and `iot:ClientId`, and set conditions
 * (`ForAllValues:` / `ForAnyValue:` with StringEquals or StringNotEquals) on
 * the multivalued `iot:ConnectAttributes` [AUTHZ-CONNECT-ATTRIBUTES]. Anything
 * outside the subset (NotAction, other operators or keys) is refused when the
 * policy is loaded, so a policy never silently means less than its author wrote.
 */

export const CONDITION_OPERATORS = ['StringEquals', 'StringLike'] as const
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number]
/** Single-valued condition keys, lower-cased (IAM key names are case-insensitive). */
export const CONDITION_KEYS = ['iot:topic', 'iot:clientid'] as const
export type ConditionKey = (typeof CONDITION_KEYS)[number]

/** Set qualifiers for multivalued keys, as in `ForAllValues:StringEquals`. */
export const SET_QUALIFIERS = ['ForAllValues', 'ForAnyValue'] as const
export type SetQualifier = (typeof SET_QUALIFIERS)[number]
/** Per-value operators a set qualifier may take (the ones AWS's connect policy examples use). */
export const SET_OPERATORS = ['StringEquals', 'StringNotEquals'] as const
export type SetOperator = (typeof SET_OPERATORS)[number]
/** Multivalued condition keys, lower-cased. */
export const SET_CONDITION_KEYS = ['iot:connectattributes'] as const
export type SetConditionKey = (typeof SET_CONDITION_KEYS)[number]
/**
 * The values of `iot:ConnectAttributes` AWS documents. Another value is refused:
 * a misspelt attribute would silently make a policy more or less permissive.
 */
export const CONNECT_ATTRIBUTES = ['PersistentConnect', 'LastWill'] as const
export type ConnectAttribute = (typeof CONNECT_ATTRIBUTES)[number]

/** IAM lets a single value stand for a one-element list; normalising first gives precise error paths. */
const oneOrMore = <T extends z.ZodType>(item: T) => z.preprocess((v) => (Array.isArray(v) ? v : [v]), z.array(item).min(1))
const stringOrList = oneOrMore(z.string())

/** Condition values may be an empty list: `ForAllValues:StringEquals {"iot:ConnectAttributes": []}` allows only a plain connect. */
const conditionValues = z.preprocess((v) => (Array.isArray(v) ? v : [v]), z.array(z.string()))

const statementSchema = z.strictObject({
  Sid: z.string().optional(),
  Effect: z.enum(['Allow', 'Deny']),
  Action: stringOrList,
  Resource: stringOrList,
  Condition: z.record(z.string(), z.record(z.string(), conditionValues)).optional(),
})

/** A policy document as written in the AWS docs (`Version`, `Statement`). */
export const policyDocumentSchema = z.strictObject({
  Version: z.string().optional(),
  Id: z.string().optional(),
  Statement: oneOrMore(statementSchema),
})

/** A condition on a single-valued key (`iot:Topic`, `iot:ClientId`). */
export interface CompiledValueCondition {
  qualifier?: undefined
  operator: ConditionOperator
  key: ConditionKey
  values: string[]
}

/**
 * A condition on a multivalued key, with IAM's set semantics: `ForAllValues`
 * holds when every value of the request's set satisfies the operator (so also
 * for an empty set), `ForAnyValue` when at least one does (never for an empty set).
 */
export interface CompiledSetCondition {
  qualifier: SetQualifier
  operator: SetOperator
  key: SetConditionKey
  values: string[]
}

export type CompiledCondition = CompiledValueCondition | CompiledSetCondition

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
      const where = `policy ${name}: Statement[${index}].Condition.${operator}`
      const set = compileSetOperator(operator)
      if (set === null) {
        problems.push(`policy ${name}: Statement[${index}].Condition: operator ${operator} is not supported (use ${CONDITION_OPERATORS.join(' or ')}, or ${SET_QUALIFIERS.map((q) => `${q}:`).join(' / ')} with ${SET_OPERATORS.join(' or ')} for iot:ConnectAttributes)`)
        continue
      }
      for (const [key, values] of Object.entries(block)) {
        const lower = key.toLowerCase()
        if ((SET_CONDITION_KEYS as readonly string[]).includes(lower)) {
          if (!set) {
            problems.push(`${where}: key ${key} is multivalued: use ${SET_QUALIFIERS.map((q) => `${q}:${SET_OPERATORS[0]}`).join(' or ')}`)
            continue
          }
          const unknown = values.filter((v) => !(CONNECT_ATTRIBUTES as readonly string[]).includes(v))
          if (unknown.length > 0) {
            problems.push(`${where}: ${key} value ${unknown.join(', ')} is not a connect attribute (use ${CONNECT_ATTRIBUTES.join(' or ')})`)
            continue
          }
          conditions.push({ qualifier: set.qualifier, operator: set.operator, key: lower as SetConditionKey, values })
          continue
        }
        if (!(CONDITION_KEYS as readonly string[]).includes(lower)) {
          problems.push(`${where}: key ${key} is not supported (use iot:Topic, iot:ClientId or iot:ConnectAttributes)`)
          continue
        }
        if (set) {
          problems.push(`${where}: key ${key} is single-valued: use ${CONDITION_OPERATORS.join(' or ')} without ${SET_QUALIFIERS.map((q) => `${q}:`).join(' / ')}`)
          continue
        }
        if (values.length === 0) {
          problems.push(`${where}: key ${key} needs at least one value`)
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

/**
 * Splits a condition operator: `StringEquals` → false (a single-valued
 * operator), `ForAllValues:StringEquals` → its qualifier and operator, anything
 * else → null (not supported). IAM operator names are case-sensitive.
 */
function compileSetOperator(operator: string): { qualifier: SetQualifier; operator: SetOperator } | false | null {
  if ((CONDITION_OPERATORS as readonly string[]).includes(operator)) return false
  const colon = operator.indexOf(':')
  if (colon === -1) return null
  const qualifier = operator.slice(0, colon)
  const inner = operator.slice(colon + 1)
  if (!(SET_QUALIFIERS as readonly string[]).includes(qualifier) || !(SET_OPERATORS as readonly string[]).includes(inner)) return null
  return { qualifier: qualifier as SetQualifier, operator: inner as SetOperator }
}
