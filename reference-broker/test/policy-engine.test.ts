import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { compilePolicy, createAuthorizer, evaluatePolicies, IOT_ACTIONS, PolicyInvalidError, profileSchema, type IotAction } from '../index.js'

const ARN = 'arn:aws:iot:us-west-2:123456789012:'

// ---- a reference evaluator, written for obviousness rather than speed ----------------------

type Token = { kind: 'char'; c: string } | { kind: 'star' } | { kind: 'one' }

/** Pattern → tokens; variables become literal characters; an unknown variable → null (no match). */
function tokenize(pattern: string, vars: Record<string, string | undefined>): Token[] | null {
  const out: Token[] = []
  const chars = [...pattern]
  for (let i = 0; i < chars.length; i++) {
    if (chars[i] === '$' && chars[i + 1] === '{') {
      const close = chars.indexOf('}', i + 2)
      if (close !== -1) {
        const name = chars.slice(i + 2, close).join('')
        const value = name === '*' || name === '?' || name === '$' ? name : vars[name.toLowerCase()]
        if (value === undefined) return null
        for (const c of value) out.push({ kind: 'char', c })
        i = close
        continue
      }
    }
    out.push(chars[i] === '*' ? { kind: 'star' } : chars[i] === '?' ? { kind: 'one' } : { kind: 'char', c: chars[i]! })
  }
  return out
}

function matchTokens(t: Token[], s: string[]): boolean {
  if (t.length === 0) return s.length === 0
  const [first, ...rest] = t
  if (first!.kind === 'star') {
    for (let k = 0; k <= s.length; k++) if (matchTokens(rest, s.slice(k))) return true
    return false
  }
  if (s.length === 0) return false
  if (first!.kind === 'one' || first!.c === s[0]) return matchTokens(rest, s.slice(1))
  return false
}

function refLike(pattern: string, value: string, vars: Record<string, string | undefined>, ignoreCase = false): boolean {
  const t = tokenize(ignoreCase ? pattern.toLowerCase() : pattern, vars)
  return t !== null && matchTokens(t, [...(ignoreCase ? value.toLowerCase() : value)])
}

const asList = (v: string | string[]) => (Array.isArray(v) ? v : [v])

function refEvaluate(docs: any[], action: string, resource: string, ctx: Record<string, string | undefined>): string {
  let allowed = false
  let denied = false
  for (const doc of docs) {
    for (const s of asList(doc.Statement) as any[]) {
      const actionOk = asList(s.Action).some((a: string) => refLike(a, action, {}, true))
      const resourceOk = asList(s.Resource).some((r: string) => refLike(r, resource, ctx))
      let conditionsOk = true
      for (const [op, block] of Object.entries(s.Condition ?? {}) as [string, Record<string, string | string[]>][]) {
        for (const [key, values] of Object.entries(block)) {
          const actual = ctx[key.toLowerCase()]
          const ok = actual !== undefined && asList(values).some((v) => {
            if (op === 'StringLike') return refLike(v, actual, ctx)
            const t = tokenize(v, ctx) // StringEquals: * and ? are plain characters
            return t !== null && t.map((x) => (x.kind === 'char' ? x.c : x.kind === 'star' ? '*' : '?')).join('') === actual
          })
          if (!ok) conditionsOk = false
        }
      }
      if (actionOk && resourceOk && conditionsOk) {
        if (s.Effect === 'Deny') denied = true
        else allowed = true
      }
    }
  }
  return denied ? 'deny' : allowed ? 'allow' : 'implicit-deny'
}

// ---- generators over a small alphabet, so matches and mismatches are both common ----------

const piece = fc.constantFrom('a', 'b', '/', '*', '?', 'ab', '${iot:ClientId}', '${*}')
const pattern = fc.array(piece, { maxLength: 5 }).map((p) => p.join(''))
const plain = fc.array(fc.constantFrom('a', 'b', '/', '*'), { maxLength: 5 }).map((p) => p.join(''))
const listOf = <T>(a: fc.Arbitrary<T>) => fc.oneof(a, fc.array(a, { minLength: 1, maxLength: 3 }))
const actionPattern = fc.oneof(fc.constantFrom(...IOT_ACTIONS), fc.constantFrom('iot:*', '*', 'iot:Pub*', 'IOT:PUBLISH', 'iot:?eceive', 'iot:Connect?'))
const resourcePattern = fc.oneof(pattern.map((p) => `${ARN}topic/${p}`), pattern.map((p) => `${ARN}client/${p}`), fc.constant('*'), pattern.map((p) => `${ARN}${p}`))
const condition = fc.option(fc.record({
  op: fc.constantFrom('StringEquals', 'StringLike'),
  key: fc.constantFrom('iot:Topic', 'iot:topic', 'iot:ClientId'),
  values: listOf(pattern),
}), { nil: undefined })
const statement = fc.record({ effect: fc.constantFrom('Allow', 'Deny'), action: listOf(actionPattern), resource: listOf(resourcePattern), condition }).map((s) => ({
  Effect: s.effect,
  Action: s.action,
  Resource: s.resource,
  ...(s.condition ? { Condition: { [s.condition.op]: { [s.condition.key]: s.condition.values } } } : {}),
}))
const documentArb = fc.record({ Version: fc.constant('2012-10-17'), Statement: fc.oneof(statement, fc.array(statement, { minLength: 1, maxLength: 4 })) })

describe('policy engine', () => {
  it('agrees with the reference evaluator on random policies and requests (explicit Deny wins, wildcards, variables, conditions)', () => {
    fc.assert(fc.property(
      fc.array(documentArb, { minLength: 0, maxLength: 3 }),
      fc.constantFrom(...IOT_ACTIONS),
      fc.oneof(plain.map((t) => `${ARN}topic/${t}`), plain.map((c) => `${ARN}client/${c}`), fc.constant('*')),
      fc.option(plain, { nil: undefined }),
      fc.option(plain, { nil: undefined }),
      (docs, action, resource, topic, clientId) => {
        const compiled = docs.map((d, i) => compilePolicy(`p${i}`, d))
        const ctx = { 'iot:topic': topic, 'iot:clientid': clientId }
        expect(evaluatePolicies(compiled, { action, resource, context: ctx }).effect).toBe(refEvaluate(docs, action, resource, ctx))
      },
    ), { numRuns: 3000 })
  })

  const sender = {
    Version: '2012-10-17',
    Statement: [{
      Effect: 'Allow',
      Action: 'iot:SendDirectMessage',
      Resource: `${ARN}client/myDevice`,
      Condition: { StringEquals: { 'iot:Topic': ['commands/reboot', 'commands/update'] } },
    }],
  }

  it('[DM-TOPIC-CONDITION] the article\'s sender policy: StringEquals topics on one client ARN', () => {
    const p = [compilePolicy('sender', sender)]
    const ask = (resource: string, topic?: string) => evaluatePolicies(p, { action: 'iot:SendDirectMessage', resource: ARN + resource, context: { 'iot:topic': topic } }).effect
    expect(ask('client/myDevice', 'commands/update')).toBe('allow')
    expect(ask('client/myDevice', 'commands/other')).toBe('implicit-deny')
    expect(ask('client/otherDevice', 'commands/update')).toBe('implicit-deny')
    expect(ask('client/myDevice')).toBe('implicit-deny') // no iot:Topic in the request: the condition fails
  })

  it('[AUTHZ-ACTIONS] explicit Deny wins over any Allow; action names are case-insensitive, resources are not', () => {
    const p = [
      compilePolicy('allow-all', { Statement: { Effect: 'Allow', Action: 'iot:*', Resource: '*' } }),
      compilePolicy('deny-secret', { Statement: { Effect: 'Deny', Action: 'IOT:PUBLISH', Resource: `${ARN}topic/secret/*` } }),
    ]
    const ask = (action: IotAction, resource: string) => evaluatePolicies(p, { action, resource: ARN + resource, context: {} })
    expect(ask('iot:Publish', 'topic/secret/x')).toEqual({ effect: 'deny', policy: 'deny-secret' })
    expect(ask('iot:Publish', 'topic/Secret/x').effect).toBe('allow')
    expect(ask('iot:Subscribe', 'topicfilter/secret/x').effect).toBe('allow')
  })

  it('${iot:ClientId} is substituted literally: a client id with * widens nothing', () => {
    const p = [compilePolicy('own', { Statement: { Effect: 'Allow', Action: 'iot:Receive', Resource: `${ARN}topic/\${iot:ClientId}/*` } })]
    const ask = (clientId: string | undefined, topic: string) => evaluatePolicies(p, { action: 'iot:Receive', resource: `${ARN}topic/${topic}`, context: { 'iot:clientid': clientId } }).effect
    expect(ask('dev1', 'dev1/inbox')).toBe('allow')
    expect(ask('dev1', 'dev2/inbox')).toBe('implicit-deny')
    expect(ask('*', 'dev2/inbox')).toBe('implicit-deny')
    expect(ask(undefined, 'dev1/inbox')).toBe('implicit-deny') // HTTP callers have no client id
  })

  it('refuses what it does not support, naming the policy and the place', () => {
    const bad = (doc: unknown) => {
      try {
        compilePolicy('p', doc)
      } catch (err) {
        expect(err).toBeInstanceOf(PolicyInvalidError)
        return (err as PolicyInvalidError).message
      }
      throw new Error('accepted')
    }
    expect(bad({ Statement: { Effect: 'Allow', NotAction: 'iot:Publish', Resource: '*' } })).toMatch(/policy p: Statement/)
    expect(bad({ Statement: { Effect: 'Maybe', Action: 'iot:Publish', Resource: '*' } })).toMatch(/Effect/)
    expect(bad({ Statement: { Effect: 'Allow', Action: 'iot:Publish', Resource: '*', Condition: { ForAllValues: { 'iot:Topic': 'a' } } } })).toMatch(/operator ForAllValues is not supported/)
    expect(bad({ Statement: { Effect: 'Allow', Action: 'iot:Publish', Resource: '*', Condition: { StringLike: { 'aws:SourceIp': 'a' } } } })).toMatch(/key aws:SourceIp is not supported/)
    expect(bad({ Statement: [] })).toMatch(/Statement/)
  })
})

describe('authorizer config', () => {
  const auth = (value: unknown) => profileSchema.shape.auth.parse(value)

  it('no policies is development mode: everything is allowed', () => {
    const a = createAuthorizer(auth({}))
    expect(a.developmentMode).toBe(true)
    expect(a.authorize({ kind: 'anonymous' }, 'iot:Connect', 'client/x').effect).toBe('allow')
  })

  it('policies come from JSON files relative to the config folder and attach to certificates, access keys or everyone else', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mqtt-harness-policy-'))
    writeFileSync(join(dir, 'connect.json'), JSON.stringify({ Version: '2012-10-17', Statement: { Effect: 'Allow', Action: 'iot:Connect', Resource: 'arn:aws:iot:eu-west-1:111122223333:client/*' } }))
    const a = createAuthorizer(auth({
      region: 'eu-west-1',
      accountId: '111122223333',
      policies: { connect: 'connect.json', nothing: { Statement: { Effect: 'Deny', Action: '*', Resource: '*' } } },
      attachments: { certificates: { 'device-001': ['connect'] }, accessKeys: { AKID: ['nothing'] }, default: [] },
    }), dir)
    expect(a.developmentMode).toBe(false)
    expect(a.arn('client/x')).toBe('arn:aws:iot:eu-west-1:111122223333:client/x')
    expect(a.authorize({ kind: 'certificate', id: 'device-001' }, 'iot:Connect', 'client/x').effect).toBe('allow')
    expect(a.authorize({ kind: 'access-key', id: 'AKID' }, 'iot:Connect', 'client/x').effect).toBe('deny')
    expect(a.authorize({ kind: 'anonymous' }, 'iot:Connect', 'client/x').effect).toBe('implicit-deny')
  })

  it('HX_POLICY_INVALID for a missing file, bad JSON or an attachment to an unknown policy', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mqtt-harness-policy-'))
    writeFileSync(join(dir, 'broken.json'), '{ "Statement": ')
    const code = (value: unknown) => {
      try {
        createAuthorizer(auth(value), dir)
        return 'accepted'
      } catch (err) {
        return `${(err as PolicyInvalidError).code}: ${(err as Error).message}`
      }
    }
    expect(code({ policies: { p: 'missing.json' } })).toMatch(/^HX_POLICY_INVALID: .*missing\.json[\s\S]*ENOENT/)
    expect(code({ policies: { p: 'broken.json' } })).toMatch(/^HX_POLICY_INVALID: [\s\S]*not JSON/)
    expect(code({ policies: { p: { Statement: { Effect: 'Allow', Action: '*', Resource: '*' } } }, attachments: { default: ['q'] } })).toMatch(/attachments.default: no policy named q/)
  })
})
