/**
 * The authorizer built from a profile's auth section: which policies apply to
 * which principal, what a request carries into the engine (topic, client id,
 * connect attributes, account-wide `*`), credentials, and the problems it
 * reports at load time.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createAuthorizer, PolicyInvalidError, profileSchema } from '../index.js'
import { principalName } from '../policy/create-authorizer.js'

const auth = (value: unknown) => profileSchema.shape.auth.parse(value)
const ARN = 'arn:aws:iot:eu-west-1:111122223333:'
const base = { region: 'eu-west-1', accountId: '111122223333' }

describe('createAuthorizer', () => {
  it('names principals for the log', () => {
    expect(principalName({ kind: 'anonymous' })).toBe('anonymous')
    expect(principalName({ kind: 'certificate', id: 'dev-1' })).toBe('certificate:dev-1')
    expect(principalName({ kind: 'access-key', id: 'AKID' })).toBe('access-key:AKID')
  })

  it('gives unattached certificates and keys the default policies, and no one else\'s', () => {
    const a = createAuthorizer(auth({
      ...base,
      policies: {
        certs: { Statement: { Effect: 'Allow', Action: 'iot:Connect', Resource: `${ARN}client/cert-*` } },
        keys: { Statement: { Effect: 'Allow', Action: 'iot:Connect', Resource: `${ARN}client/key-*` } },
        fallback: { Statement: { Effect: 'Allow', Action: 'iot:Connect', Resource: `${ARN}client/anon-*` } },
      },
      attachments: { certificates: { 'dev-1': ['certs'] }, accessKeys: { AKID: ['keys'] }, default: ['fallback'] },
    }))
    const connect = (p: Parameters<typeof a.authorize>[0], id: string) => a.authorize(p, 'iot:Connect', `client/${id}`).effect
    expect(connect({ kind: 'certificate', id: 'dev-1' }, 'cert-1')).toBe('allow')
    expect(connect({ kind: 'certificate', id: 'dev-1' }, 'anon-1')).toBe('implicit-deny')
    expect(connect({ kind: 'certificate', id: 'dev-2' }, 'anon-1')).toBe('allow')
    expect(connect({ kind: 'certificate', id: 'dev-2' }, 'cert-1')).toBe('implicit-deny')
    expect(connect({ kind: 'access-key', id: 'AKID' }, 'key-1')).toBe('allow')
    expect(connect({ kind: 'access-key', id: 'AKID' }, 'anon-1')).toBe('implicit-deny')
    expect(connect({ kind: 'access-key', id: 'OTHER' }, 'anon-1')).toBe('allow')
    expect(connect({ kind: 'anonymous' }, 'anon-1')).toBe('allow')
    expect(connect({ kind: 'anonymous' }, 'key-1')).toBe('implicit-deny')
  })

  it('passes topic, client id, connect attributes and account-wide resources to the engine', () => {
    const a = createAuthorizer(auth({
      ...base,
      policies: {
        p: {
          Statement: [
            { Effect: 'Allow', Action: 'iot:Publish', Resource: `${ARN}topic/*`, Condition: { StringEquals: { 'iot:Topic': 'a/b', 'iot:ClientId': 'dev' } } },
            { Effect: 'Allow', Action: 'iot:Connect', Resource: `${ARN}client/*`, Condition: { 'ForAllValues:StringEquals': { 'iot:ConnectAttributes': [] } } },
            { Effect: 'Allow', Action: 'iot:ListRetainedMessages', Resource: '*' },
          ],
        },
      },
      attachments: { default: ['p'] },
    }))
    const anon = { kind: 'anonymous' } as const
    expect(a.authorize(anon, 'iot:Publish', 'topic/a/b', { topic: 'a/b', clientId: 'dev' }).effect).toBe('allow')
    expect(a.authorize(anon, 'iot:Publish', 'topic/a/b', { topic: 'a/b', clientId: 'other' }).effect).toBe('implicit-deny')
    expect(a.authorize(anon, 'iot:Publish', 'topic/a/b', { topic: 'a/c', clientId: 'dev' }).effect).toBe('implicit-deny')
    expect(a.authorize(anon, 'iot:Publish', 'topic/a/b').effect).toBe('implicit-deny')
    expect(a.authorize(anon, 'iot:Connect', 'client/dev', { connectAttributes: [] }).effect).toBe('allow')
    expect(a.authorize(anon, 'iot:Connect', 'client/dev').effect).toBe('allow')
    expect(a.authorize(anon, 'iot:Connect', 'client/dev', { connectAttributes: ['LastWill'] }).effect).toBe('implicit-deny')
    expect(a.authorize(anon, 'iot:Connect', 'client/dev', { connectAttributes: ['LastWill'], ignoreConnectAttributes: true }).effect).toBe('allow')
    expect(a.authorize(anon, 'iot:ListRetainedMessages', '*').effect).toBe('allow')
    expect(a.arn('topic/x')).toBe(`${ARN}topic/x`)
  })

  it('knows its SigV4 credentials', () => {
    const a = createAuthorizer(auth({ ...base, credentials: [{ accessKeyId: 'AKID', secretAccessKey: 's3cret' }] }))
    expect(a.hasCredentials).toBe(true)
    expect(a.secretFor('AKID')).toBe('s3cret')
    expect(a.secretFor('OTHER')).toBeUndefined()
    expect(createAuthorizer(auth({})).hasCredentials).toBe(false)
  })

  it('is in development mode only without policies, and then allows everything', () => {
    const dev = createAuthorizer(auth({}))
    expect(dev.developmentMode).toBe(true)
    expect(dev.authorize({ kind: 'anonymous' }, 'iot:Publish', 'topic/x')).toEqual({ effect: 'allow', policy: '(development mode)' })
    const strict = createAuthorizer(auth({ policies: { none: { Statement: { Effect: 'Deny', Action: 'iot:Connect', Resource: '*' } } } }))
    expect(strict.developmentMode).toBe(false)
    expect(strict.authorize({ kind: 'anonymous' }, 'iot:Publish', 'topic/x').effect).toBe('implicit-deny')
  })

  it('reports every problem of the section at once, with where it is', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mqtt-harness-authorizer-'))
    writeFileSync(join(dir, 'broken.json'), '{ "Statement": ')
    const problemsOf = (value: unknown) => {
      try {
        createAuthorizer(auth(value), dir)
      } catch (err) {
        expect(err).toBeInstanceOf(PolicyInvalidError)
        return { source: (err as PolicyInvalidError).source, problems: (err as PolicyInvalidError).problems }
      }
      throw new Error('accepted')
    }
    expect(problemsOf({ attachments: { certificates: { c: ['a'] }, accessKeys: { k: ['b'] }, default: ['c'] } })).toEqual({
      source: 'profile auth section',
      problems: [
        'attachments.certificates.c: no policy named a (defined: none)',
        'attachments.accessKeys.k: no policy named b (defined: none)',
        'attachments.default: no policy named c (defined: none)',
      ],
    })
    const one = { Statement: { Effect: 'Allow', Action: '*', Resource: '*' } }
    expect(problemsOf({ policies: { x: one, y: one }, attachments: { default: ['z'] } }).problems).toEqual(['attachments.default: no policy named z (defined: x, y)'])
    expect(problemsOf({ policies: { p: 'missing.json' } })).toEqual({ source: join(dir, 'missing.json'), problems: ['policy p: cannot read file: ENOENT'] })
    const broken = problemsOf({ policies: { p: 'broken.json' } })
    expect(broken.source).toBe(join(dir, 'broken.json'))
    expect(broken.problems[0]).toMatch(/^policy p: not JSON: /)
    expect(problemsOf({ policies: { inline: { Statement: { Effect: 'Maybe', Action: '*', Resource: '*' } } } }).source).toBe('profile auth.policies.inline')
  })
})
