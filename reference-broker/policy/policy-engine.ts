import type { CompiledCondition, CompiledPolicy, CompiledSetCondition, CompiledStatement, SetConditionKey } from './policy-document.js'
import { substituteVariables, wildcardMatch, type PolicyVariables } from './wildcard-pattern.js'

/** The actions the reference broker checks, as policies name them. */
export const IOT_ACTIONS = [
  'iot:Connect',
  'iot:Publish',
  'iot:Subscribe',
  'iot:Receive',
  'iot:RetainPublish',
  'iot:SendDirectMessage',
  'iot:GetRetainedMessage',
  'iot:ListRetainedMessages',
  'iot:DeleteConnection',
  'iot:GetConnection',
  'iot:ListSubscriptions',
] as const
export type IotAction = (typeof IOT_ACTIONS)[number]

/** One question to the engine: may this action be done on this resource ARN? */
export interface AuthorizationRequest {
  action: IotAction
  /** Full ARN (`arn:aws:iot:REGION:ACCOUNT:topic/a/b`) or `*` for account-wide actions. */
  resource: string
  /** Request context: condition keys and policy variables (lower-case names: `iot:topic`, `iot:clientid`). */
  context: PolicyVariables
  /**
   * Multivalued condition keys (lower-case: `iot:connectattributes`). A key left
   * out is an empty set, as IAM treats a key missing from the request.
   */
  sets?: Readonly<Partial<Record<SetConditionKey, readonly string[]>>>
  /**
   * Condition keys whose conditions count as satisfied whatever the request:
   * only for the deliberate deviation `connect-attributes-ignored`.
   */
  unchecked?: ReadonlySet<SetConditionKey>
}

/** `deny` is an explicit Deny; `implicit-deny` means no statement allowed it. */
export type Effect = 'allow' | 'deny' | 'implicit-deny'

export interface Decision {
  effect: Effect
  /** The policy (and statement Sid) that decided, for logs. */
  policy?: string
  sid?: string
}

function statementApplies(s: CompiledStatement, request: AuthorizationRequest): boolean {
  const vars = request.context
  // Action names are case-insensitive in IAM; resources and condition values are not.
  if (!s.actions.some((a) => wildcardMatch(a, request.action, {}, true))) return false
  if (!s.resources.some((r) => wildcardMatch(r, request.resource, vars))) return false
  for (const c of s.conditions) if (!conditionHolds(c, request)) return false
  return true
}

function conditionHolds(c: CompiledCondition, request: AuthorizationRequest): boolean {
  const vars = request.context
  if (c.qualifier !== undefined) return setConditionHolds(c, request)
  const actual = vars[c.key]
  if (actual === undefined) return false // a missing key never satisfies a String* condition
  return c.operator === 'StringEquals'
    ? c.values.some((v) => substituteVariables(v, vars) === actual)
    : c.values.some((v) => wildcardMatch(v, actual, vars))
}

/** IAM set semantics [AUTHZ-CONNECT-ATTRIBUTES]: ForAllValues over an empty set is true, ForAnyValue false. */
function setConditionHolds(c: CompiledSetCondition, request: AuthorizationRequest): boolean {
  if (request.unchecked?.has(c.key)) return true
  const actual = request.sets?.[c.key] ?? []
  const listed = (value: string) => c.values.some((v) => substituteVariables(v, request.context) === value)
  const satisfies = c.operator === 'StringEquals' ? listed : (value: string) => !listed(value)
  return c.qualifier === 'ForAllValues' ? actual.every(satisfies) : actual.some(satisfies)
}

/**
 * Evaluates policies the IAM way: an explicit Deny in any statement wins,
 * otherwise any matching Allow allows, otherwise the request is implicitly
 * denied [AUTHZ-ACTIONS].
 */
export function evaluatePolicies(policies: readonly CompiledPolicy[], request: AuthorizationRequest): Decision {
  let allow: Decision | null = null
  for (const policy of policies) {
    for (const s of policy.statements) {
      if (!statementApplies(s, request)) continue
      if (s.effect === 'Deny') return { effect: 'deny', policy: policy.name, ...(s.sid ? { sid: s.sid } : {}) }
      allow ??= { effect: 'allow', policy: policy.name, ...(s.sid ? { sid: s.sid } : {}) }
    }
  }
  return allow ?? { effect: 'implicit-deny' }
}
