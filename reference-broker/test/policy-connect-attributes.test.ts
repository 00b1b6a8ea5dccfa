import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { compilePolicy, createAuthorizer, evaluatePolicies, PolicyInvalidError, profileSchema } from '../index.js'
import { connectAttributesOf, principalOfGate } from '../policy/install-mqtt-policy.js'

const ARN = 'arn:aws:iot:us-west-2:123456789012:'
const P = 'PersistentConnect'
const W = 'LastWill'

/** The four attribute sets a CONNECT can have. */
const SETS: Record<string, string[]> = { plain: [], persistent: [P], will: [W], both: [P, W] }

const connect = (condition: Record<string, unknown> | undefined, effect: 'Allow' | 'Deny' = 'Allow') =>
  ({ Effect: effect, Action: 'iot:Connect', Resource: '*', ...(condition ? { Condition: condition } : {}) })
const forAll = (op: string, values: string[]) => ({ [`ForAllValues:${op}`]: { 'iot:ConnectAttributes': values } })
const forAny = (op: string, values: string[]) => ({ [`ForAnyValue:${op}`]: { 'iot:ConnectAttributes': values } })

/** Effect of iot:Connect for each attribute set, in the order plain, persistent, will, both. */
function effects(statements: unknown[]): string[] {
  const p = [compilePolicy('p', { Version: '2012-10-17', Statement: statements })]
  return Object.values(SETS).map((set) => evaluatePolicies(p, { action: 'iot:Connect', resource: `${ARN}client/c1`, context: {}, sets: { 'iot:connectattributes': set } }).effect)
}

describe('[AUTHZ-CONNECT-ATTRIBUTES] iot:ConnectAttributes conditions', () => {
  // The policies of AWS's "MQTT persistent sessions policy examples" (connect-policy page), each
  // with what its text says it allows. Order: plain, persistent, will, both.
  it.each([
    ['allows connect with PersistentConnect (ForAllValues:StringEquals)', [connect(forAll('StringEquals', [P]))], ['allow', 'allow', 'implicit-deny', 'implicit-deny']],
    ['disallows PersistentConnect, other features allowed (ForAllValues:StringNotEquals)', [connect(forAll('StringNotEquals', [P]))], ['allow', 'implicit-deny', 'allow', 'implicit-deny']],
    ['the same with an Allow and a Deny ForAnyValue:StringEquals', [connect(undefined), connect(forAny('StringEquals', [P]), 'Deny')], ['allow', 'deny', 'allow', 'deny']],
    ['allows both PersistentConnect and LastWill', [connect(forAll('StringEquals', [P, W]))], ['allow', 'allow', 'allow', 'allow']],
    ['allows a clean connect with or without LastWill', [connect(forAll('StringEquals', [W]))], ['allow', 'implicit-deny', 'allow', 'implicit-deny']],
    ['allows only the default features (an empty list)', [connect(forAll('StringEquals', []))], ['allow', 'implicit-deny', 'implicit-deny', 'implicit-deny']],
    ['allows connect only with PersistentConnect (ForAnyValue:StringEquals)', [connect(forAny('StringEquals', [P]))], ['implicit-deny', 'allow', 'implicit-deny', 'allow']],
    ['the connect must have both PersistentConnect and LastWill', [
      connect(forAll('StringEquals', [P, W])),
      connect(forAll('StringEquals', [P]), 'Deny'),
      connect(forAll('StringEquals', [W]), 'Deny'),
      connect(forAll('StringEquals', []), 'Deny'),
    ], ['deny', 'deny', 'deny', 'allow']],
    ['must not have PersistentConnect but can have LastWill', [connect(forAny('StringEquals', [P]), 'Deny'), connect(forAll('StringEquals', [W]))], ['allow', 'deny', 'allow', 'deny']],
    // Contradiction C16: without an iot:ConnectAttributes condition nothing is restricted.
    ['C16: a policy without the condition restricts neither persistent sessions nor Wills', [connect(undefined)], ['allow', 'allow', 'allow', 'allow']],
  ])('%s', (_what, statements, expected) => {
    expect(effects(statements)).toEqual(expected)
  })

  it('agrees with IAM set semantics on random conditions (ForAllValues holds for an empty set, ForAnyValue never does)', () => {
    const attribute = fc.constantFrom<string>(P, W)
    fc.assert(fc.property(
      fc.constantFrom('ForAllValues', 'ForAnyValue'),
      fc.constantFrom('StringEquals', 'StringNotEquals'),
      fc.uniqueArray(attribute, { maxLength: 2 }),
      fc.uniqueArray(attribute, { maxLength: 2 }),
      fc.constantFrom('Allow', 'Deny'),
      (qualifier, op, values, set, effect) => {
        const p = [compilePolicy('p', { Statement: { Effect: effect, Action: 'iot:Connect', Resource: '*', Condition: { [`${qualifier}:${op}`]: { 'iot:ConnectAttributes': values } } } })]
        const one = (v: string) => (op === 'StringEquals' ? values.includes(v) : !values.includes(v))
        const holds = qualifier === 'ForAllValues' ? set.every(one) : set.some(one)
        const expected = !holds ? 'implicit-deny' : effect === 'Allow' ? 'allow' : 'deny'
        expect(evaluatePolicies(p, { action: 'iot:Connect', resource: `${ARN}client/x`, context: {}, sets: { 'iot:connectattributes': set } }).effect).toBe(expected)
      },
    ), { numRuns: 500 })
  })

  it('a request without the key (every action but iot:Connect) is an empty set', () => {
    const p = [compilePolicy('p', { Statement: [
      { Effect: 'Allow', Action: 'iot:Publish', Resource: '*', Condition: forAll('StringEquals', [P]) },
      { Effect: 'Allow', Action: 'iot:Subscribe', Resource: '*', Condition: forAny('StringEquals', [P]) },
    ] })]
    expect(evaluatePolicies(p, { action: 'iot:Publish', resource: `${ARN}topic/a`, context: {} }).effect).toBe('allow')
    expect(evaluatePolicies(p, { action: 'iot:Subscribe', resource: `${ARN}topicfilter/a`, context: {} }).effect).toBe('implicit-deny')
  })

  it('the key name is case-insensitive, values are not; a single value stands for a list', () => {
    const p = [compilePolicy('p', { Statement: connect({ 'ForAnyValue:StringEquals': { 'IOT:CONNECTATTRIBUTES': P } }) })]
    const ask = (set: string[]) => evaluatePolicies(p, { action: 'iot:Connect', resource: `${ARN}client/x`, context: {}, sets: { 'iot:connectattributes': set } }).effect
    expect(ask([P])).toBe('allow')
    expect(ask(['persistentconnect'])).toBe('implicit-deny')
  })

  it('refuses forms outside the subset, naming the statement and the reason', () => {
    const bad = (condition: Record<string, unknown>) => {
      try {
        compilePolicy('p', { Statement: connect(condition) })
      } catch (err) {
        expect(err).toBeInstanceOf(PolicyInvalidError)
        return (err as PolicyInvalidError).message
      }
      throw new Error('accepted')
    }
    expect(bad({ StringEquals: { 'iot:ConnectAttributes': [P] } })).toMatch(/Statement\[0\]\.Condition\.StringEquals: key iot:ConnectAttributes is multivalued: use ForAllValues:StringEquals or ForAnyValue:StringEquals/)
    expect(bad(forAll('StringEquals', ['PersistantConnect']))).toMatch(/value PersistantConnect is not a connect attribute \(use PersistentConnect or LastWill\)/)
    expect(bad(forAll('StringLike', ['Persistent*']))).toMatch(/operator ForAllValues:StringLike is not supported/)
    expect(bad({ 'ForAllValues:StringEquals': { 'iot:Topic': ['a'] } })).toMatch(/key iot:Topic is single-valued/)
    expect(bad({ StringEquals: { 'iot:Topic': [] } })).toMatch(/key iot:Topic needs at least one value/)
    expect(bad({ ArnEquals: { 'iot:LastWillTopic': `${ARN}topic/will` } })).toMatch(/operator ArnEquals is not supported/)
  })
})

describe('[AUTHZ-CONNECT-ATTRIBUTES] the attribute set of a CONNECT', () => {
  type Hook = Parameters<typeof connectAttributesOf>[0]
  const v311 = (clean: boolean, will?: unknown): Hook => ({ id: 'c', version: 4, _cleanStart: clean, _connectSessionExpiryInterval: clean ? 0 : 0xffffffff, _will: will })
  const v5 = (cleanStart: boolean, sessionExpiry: number, will?: unknown): Hook => ({ id: 'c', version: 5, _cleanStart: cleanStart, _connectSessionExpiryInterval: sessionExpiry, _will: will })
  const will = { topic: 'w', payload: Buffer.from('x'), qos: 0, retain: false }

  it('MQTT 3.1.1: cleanSession 0 is PersistentConnect', () => {
    expect(connectAttributesOf(v311(true))).toEqual([])
    expect(connectAttributesOf(v311(false))).toEqual([P])
  })

  it('MQTT 5: Clean Start 0 or a Session Expiry above 0 is PersistentConnect; only Clean Start 1 with no expiry is plain', () => {
    expect(connectAttributesOf(v5(true, 0))).toEqual([])
    expect(connectAttributesOf(v5(true, 300))).toEqual([P])
    expect(connectAttributesOf(v5(false, 0))).toEqual([P])
    expect(connectAttributesOf(v5(false, 300))).toEqual([P])
  })

  it('a Will is LastWill, on both versions', () => {
    expect(connectAttributesOf(v311(true, will))).toEqual([W])
    expect(connectAttributesOf(v5(false, 300, will))).toEqual([P, W])
  })

  it('the gate\'s record of the Clean Start flag as sent wins over what aedes was given', () => {
    // The gate turns Clean Start 0 into 1 when the stored session is of the other version [PS-NO-CROSS-VERSION].
    const rewritten = { ...v311(true), conn: { gate: { cleanStart: false } } } as unknown as Hook
    expect(connectAttributesOf(rewritten)).toEqual([P])
    // A connection without a gate record falls back to what aedes was given.
    expect(connectAttributesOf({ ...v5(false, 0), conn: {} } as unknown as Hook)).toEqual([P])
    expect(connectAttributesOf({ ...v5(true, 0), conn: {} } as unknown as Hook)).toEqual([])
  })

  it('a Session Expiry is read on MQTT 5 only, and no client has no attributes', () => {
    expect(connectAttributesOf({ id: 'c', version: 4, _cleanStart: true, _connectSessionExpiryInterval: 300 })).toEqual([])
    expect(connectAttributesOf(null)).toEqual([])
  })
})

describe('the policy principal of an MQTT connection', () => {
  type Gate = Parameters<typeof principalOfGate>[0]
  it('is the client certificate\'s CN, or anonymous without one', () => {
    expect(principalOfGate({ info: { certificateSubject: 'device-001' } } as unknown as Gate)).toEqual({ kind: 'certificate', id: 'device-001' })
    expect(principalOfGate({ info: { certificateSubject: '' } } as unknown as Gate)).toEqual({ kind: 'anonymous' })
    expect(principalOfGate({ info: {} } as unknown as Gate)).toEqual({ kind: 'anonymous' })
    expect(principalOfGate(undefined)).toEqual({ kind: 'anonymous' })
  })
})

describe('[AUTHZ-CONNECT-ATTRIBUTES] the authorizer', () => {
  const auth = profileSchema.shape.auth.parse({
    policies: { plainOnly: { Statement: [connect(undefined), connect(forAny('StringEquals', [P, W]), 'Deny')] }, willOnly: { Statement: connect(forAll('StringEquals', [W])) } },
    attachments: { certificates: { device: ['willOnly'] }, default: ['plainOnly'] },
  })
  const a = createAuthorizer(auth)

  it('passes the CONNECT\'s attributes to the attached policies; none given is a plain connect', () => {
    const anon = { kind: 'anonymous' } as const
    const device = { kind: 'certificate', id: 'device' } as const
    expect(a.authorize(anon, 'iot:Connect', 'client/x').effect).toBe('allow')
    expect(a.authorize(anon, 'iot:Connect', 'client/x', { connectAttributes: [P] }).effect).toBe('deny')
    expect(a.authorize(anon, 'iot:Connect', 'client/x', { connectAttributes: [W] }).effect).toBe('deny')
    expect(a.authorize(device, 'iot:Connect', 'client/x', { connectAttributes: [W] }).effect).toBe('allow')
    expect(a.authorize(device, 'iot:Connect', 'client/x', { connectAttributes: [P, W] }).effect).toBe('implicit-deny')
  })

  it('connect-attributes-ignored (deviation): every iot:ConnectAttributes condition holds, ForAnyValue and ForAllValues alike', () => {
    const anon = { kind: 'anonymous' } as const
    const device = { kind: 'certificate', id: 'device' } as const
    // The Deny ForAnyValue now applies to a plain connect too; the Allow ForAllValues to any set.
    expect(a.authorize(anon, 'iot:Connect', 'client/x', { connectAttributes: [], ignoreConnectAttributes: true }).effect).toBe('deny')
    expect(a.authorize(device, 'iot:Connect', 'client/x', { connectAttributes: [P, W], ignoreConnectAttributes: true }).effect).toBe('allow')
  })
})
