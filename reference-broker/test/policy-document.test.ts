/**
 * Policy documents as the broker loads them: what each refusal says (the
 * policy, the JSON path and how to fix it, since a user reads these at start-up)
 * and what a compiled statement keeps (its Sid reaches the decision log).
 */
import { describe, expect, it } from 'vitest'
import { compilePolicy, evaluatePolicies, PolicyInvalidError } from '../index.js'

function problems(document: unknown): string[] {
  try {
    compilePolicy('p', document)
  } catch (err) {
    expect(err).toBeInstanceOf(PolicyInvalidError)
    return (err as PolicyInvalidError).problems
  }
  throw new Error('the policy was accepted')
}
const statement = (Condition?: unknown) => ({ Statement: { Effect: 'Allow', Action: 'iot:Connect', Resource: '*', ...(Condition ? { Condition } : {}) } })

describe('compilePolicy refusals', () => {
  it('names the JSON path of a schema problem, or (root)', () => {
    expect(problems('not an object')).toEqual(['policy p: (root): Invalid input: expected object, received string'])
    expect(problems({ Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }, { Effect: 'Nope', Action: 'iot:Connect', Resource: '*' }] }))
      .toEqual(['policy p: Statement.1.Effect: Invalid option: expected one of "Allow"|"Deny"'])
  })

  it('says which operators, keys and values are supported', () => {
    expect(problems(statement({ StringNotLike: { 'iot:ClientId': 'a' } }))).toEqual([
      'policy p: Statement[0].Condition: operator StringNotLike is not supported (use StringEquals or StringLike, or ForAllValues: / ForAnyValue: with StringEquals or StringNotEquals for iot:ConnectAttributes)',
    ])
    expect(problems(statement({ 'ForAllValues:StringEquals': { 'iot:ConnectAttributes': ['Persistent', 'LastWill', 'Will'] } }))).toEqual([
      'policy p: Statement[0].Condition.ForAllValues:StringEquals: iot:ConnectAttributes value Persistent, Will is not a connect attribute (use PersistentConnect or LastWill)',
    ])
    expect(problems(statement({ 'ForAnyValue:StringEquals': { 'iot:ClientId': ['a'] } }))).toEqual([
      'policy p: Statement[0].Condition.ForAnyValue:StringEquals: key iot:ClientId is single-valued: use StringEquals or StringLike without ForAllValues: / ForAnyValue:',
    ])
    expect(problems(statement({ StringEquals: { 'iot:ConnectAttributes': ['LastWill'] } }))).toEqual([
      'policy p: Statement[0].Condition.StringEquals: key iot:ConnectAttributes is multivalued: use ForAllValues:StringEquals or ForAnyValue:StringEquals',
    ])
    expect(problems(statement({ StringEquals: { 'iot:ClientId': [] } }))).toEqual([
      'policy p: Statement[0].Condition.StringEquals: key iot:ClientId needs at least one value',
    ])
  })

  it('refuses operators that only resemble a set operator', () => {
    for (const op of ['ForAllValues', 'ForAllValues:', 'ForAllValues:StringLike', 'ForEveryValue:StringEquals', 'StringNotEquals', 'ForAllValuesStringEquals', 'stringequals']) {
      expect(problems(statement({ [op]: { 'iot:ConnectAttributes': ['LastWill'] } }))[0], op).toMatch(new RegExp(`^policy p: Statement\\[0\\]\\.Condition: operator ${op} is not supported`))
    }
  })
})

describe('compiled statements', () => {
  it('keep the Sid when there is one, and the decision names it', () => {
    const withSid = compilePolicy('named', { Statement: [{ Sid: 'NoSecrets', Effect: 'Deny', Action: 'iot:Publish', Resource: '*' }, { Sid: 'All', Effect: 'Allow', Action: 'iot:*', Resource: '*' }] })
    expect(withSid.statements[0]).toStrictEqual({ effect: 'Deny', sid: 'NoSecrets', actions: ['iot:Publish'], resources: ['*'], conditions: [] })
    expect(evaluatePolicies([withSid], { action: 'iot:Publish', resource: '*', context: {} })).toStrictEqual({ effect: 'deny', policy: 'named', sid: 'NoSecrets' })
    expect(evaluatePolicies([withSid], { action: 'iot:Subscribe', resource: '*', context: {} })).toStrictEqual({ effect: 'allow', policy: 'named', sid: 'All' })
    const anonymous = compilePolicy('plain', { Statement: { Effect: 'Allow', Action: 'iot:Connect', Resource: '*' } })
    expect(anonymous.statements[0]).toStrictEqual({ effect: 'Allow', actions: ['iot:Connect'], resources: ['*'], conditions: [] })
    expect(evaluatePolicies([anonymous], { action: 'iot:Connect', resource: '*', context: {} })).toStrictEqual({ effect: 'allow', policy: 'plain' })
  })

  it('lower-case condition keys, keep values and operators as written', () => {
    const p = compilePolicy('c', statement({ StringLike: { 'IoT:ClientId': ['dev-*'] }, 'ForAnyValue:StringNotEquals': { 'iot:connectAttributes': ['LastWill'] } }))
    expect(p.statements[0]!.conditions).toStrictEqual([
      { operator: 'StringLike', key: 'iot:clientid', values: ['dev-*'] },
      { qualifier: 'ForAnyValue', operator: 'StringNotEquals', key: 'iot:connectattributes', values: ['LastWill'] },
    ])
  })
})
