import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import aws4 from 'aws4'
import { Agent, type Dispatcher } from 'undici'
import { broker, client, collect, uid } from './helpers.js'
import { errorShape, http, memoryLogger, type HttpResult } from './http-helpers.js'
import { makeTlsMaterial, type TlsMaterial } from '../../test/tls-material.js'
import { PolicyInvalidError, startReferenceBroker, type ProfileOverrides } from '../index.js'

const ARN = 'arn:aws:iot:us-west-2:123456789012:'
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const SENDER = { accessKeyId: 'AKIDSENDER', secretAccessKey: 'sender-secret' }
const OTHER = { accessKeyId: 'AKIDOTHER', secretAccessKey: 'other-secret' }

/** The sender and receiver policies of the Direct Messaging article (§4), for client myDevice-*. */
const senderPolicy = {
  Version: '2012-10-17',
  Statement: [{
    Effect: 'Allow',
    Action: 'iot:SendDirectMessage',
    Resource: `${ARN}client/myDevice-*`,
    Condition: { StringEquals: { 'iot:Topic': ['commands/reboot', 'commands/update'] } },
  }],
}
const receiverPolicy = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: 'iot:Connect', Resource: `${ARN}client/*` },
    { Effect: 'Allow', Action: 'iot:Receive', Resource: `${ARN}topic/commands/*` },
  ],
}
const overrides: ProfileOverrides = {
  mqtt: { connectsPerSecondPerClientId: 0 },
  auth: {
    region: 'us-west-2',
    policies: { sender: senderPolicy, receiver: receiverPolicy, other: { Statement: { Effect: 'Allow', Action: 'iot:Publish', Resource: `${ARN}topic/*` } } },
    attachments: { accessKeys: { [SENDER.accessKeyId]: ['sender'], [OTHER.accessKeyId]: ['other'] }, default: ['receiver'] },
    credentials: [SENDER, OTHER],
  },
}

/** A SigV4-signed request (aws4), as an AWS SDK would send it. */
function signed(base: string, method: Dispatcher.HttpMethod, path: string, body: string, creds: typeof SENDER, tweak: { service?: string; date?: string; tamper?: (h: Record<string, string>) => void } = {}): Promise<HttpResult> {
  const headers: Record<string, string> = {}
  if (tweak.date) headers['X-Amz-Date'] = tweak.date
  const opts = aws4.sign({ host: new URL(base).host, method, path, body: body || undefined, service: tweak.service ?? 'iotdata', region: 'us-west-2', headers }, creds)
  const sent: Record<string, string> = {}
  for (const [k, v] of Object.entries(opts.headers ?? {})) sent[k] = String(v)
  tweak.tamper?.(sent)
  return http(base, method, path, { body: body || undefined, headers: sent })
}

describe('[DM-STATUS-403] SendDirectMessage under policies (SigV4 callers)', () => {
  it('[DM-TOPIC-CONDITION] the sender policy allows its topics and refuses others; an unsigned caller lacks iot:SendDirectMessage', async () => {
    const b = await broker({ overrides })
    const id = uid('myDevice')
    const got = collect(await client(b.urls.mqtt!, { clientId: id }))
    const path = (topic: string) => `/connections/${id}/messages?topic=${encodeURIComponent(topic)}`
    expect((await signed(b.urls.http!, 'POST', path('commands/update'), 'go', SENDER)).status).toBe(200)
    const otherTopic = await signed(b.urls.http!, 'POST', path('commands/other'), 'no', SENDER)
    expect(errorShape(otherTopic)).toEqual({ status: 403, type: 'ForbiddenException', hasMessage: true, traceIdMatches: true })
    expect((await http(b.urls.http!, 'POST', path('commands/update'), { body: 'anon' })).status).toBe(403)
    expect((await signed(b.urls.http!, 'POST', path('commands/update'), 'other', OTHER)).status).toBe(403)
    await got.waitFor(1)
    await sleep(200)
    expect(got.messages.map((m) => m.payload.toString())).toEqual(['go'])
  })

  it('[DM-RECEIVER-NEEDS-ONLY-RECEIVE] a receiver without iot:Receive on the topic: 403 naming the target, and nothing delivered', async () => {
    const b = await broker({
      overrides: {
        ...overrides,
        auth: {
          ...overrides.auth,
          policies: { ...overrides.auth!.policies, sender: { Statement: { Effect: 'Allow', Action: 'iot:SendDirectMessage', Resource: `${ARN}client/*`, Condition: { StringLike: { 'iot:Topic': '*' } } } } },
        },
      },
    })
    const id = uid('recv')
    const got = collect(await client(b.urls.mqtt!, { clientId: id }))
    const denied = await signed(b.urls.http!, 'POST', `/connections/${id}/messages?topic=status%2Fx`, 'x', SENDER)
    expect(denied.status).toBe(403)
    expect(denied.json.message).toContain(id)
    expect((await signed(b.urls.http!, 'POST', `/connections/${id}/messages?topic=commands%2Freboot`, 'y', SENDER)).status).toBe(200)
    await got.waitFor(1)
    await sleep(200)
    expect(got.messages.map((m) => m.topic)).toEqual(['commands/reboot'])
  })

  it('[DM-STATUS-401] [API-SIGNING-NAME] SigV4: iotdevicegateway is accepted (C10); a wrong secret, another service, a tampered body or an old date are 403 (C9)', async () => {
    const { logger, lines } = memoryLogger()
    const b = await broker({ overrides, logger })
    const id = uid('myDevice')
    await client(b.urls.mqtt!, { clientId: id })
    const path = `/connections/${id}/messages?topic=commands%2Freboot`
    expect((await signed(b.urls.http!, 'POST', path, 'a', SENDER, { service: 'iotdevicegateway' })).status).toBe(200)
    const cases: [string, Promise<HttpResult>][] = [
      ['signature-mismatch', signed(b.urls.http!, 'POST', path, 'a', { ...SENDER, secretAccessKey: 'wrong' })],
      ['signature-wrong-service', signed(b.urls.http!, 'POST', path, 'a', SENDER, { service: 'execute-api' })],
      ['signature-mismatch', signed(b.urls.http!, 'POST', path, 'a', SENDER, { tamper: (h) => { h['X-Amz-Date'] = h['X-Amz-Date']!.replace(/\d(?=Z$)/, (d) => String((Number(d) + 1) % 10)) } })],
      ['unknown-access-key', signed(b.urls.http!, 'POST', path, 'a', { accessKeyId: 'AKIDNOBODY', secretAccessKey: 'x' })],
      ['signature-expired', signed(b.urls.http!, 'POST', path, 'a', SENDER, { date: '20200101T000000Z' })],
      ['signature-malformed', http(b.urls.http!, 'POST', path, { body: 'a', headers: { authorization: 'Bearer nothing' } })],
    ]
    for (const [reason, pending] of cases) {
      const res = await pending
      expect({ reason, ...errorShape(res) }).toEqual({ reason, status: 403, type: 'ForbiddenException', hasMessage: true, traceIdMatches: true })
      const line = lines.find((l) => l.event === 'http-request' && l.traceId === res.json.traceId)
      expect(line?.reason).toBe(reason)
    }
    // a body changed after signing
    const headers: Record<string, string> = {}
    const opts = aws4.sign({ host: new URL(b.urls.http!).host, method: 'POST', path, body: 'original', service: 'iotdata', region: 'us-west-2', headers }, SENDER)
    const sent = Object.fromEntries(Object.entries(opts.headers ?? {}).map(([k, v]) => [k, String(v)]))
    expect((await http(b.urls.http!, 'POST', path, { body: 'modified', headers: sent })).status).toBe(403)
  })
})

describe('policies on the other data-plane APIs', () => {
  it('[AUTHZ-ACTIONS] Publish, RetainPublish, GetRetainedMessage, ListRetainedMessages, GetConnection, DeleteConnection are each checked', async () => {
    const publisher = { accessKeyId: 'AKIDPUB', secretAccessKey: 'pub' }
    const b = await broker({
      overrides: {
        auth: {
          region: 'us-west-2',
          policies: {
            pub: { Statement: [{ Effect: 'Allow', Action: ['iot:Publish', 'iot:GetRetainedMessage'], Resource: `${ARN}topic/open/*` }, { Effect: 'Allow', Action: 'iot:RetainPublish', Resource: `${ARN}topic/open/retained` }] },
            anyone: { Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }] },
          },
          attachments: { accessKeys: { AKIDPUB: ['pub'] }, default: ['anyone'] },
          credentials: [publisher],
        },
      },
    })
    expect((await signed(b.urls.http!, 'POST', '/topics/open%2Fa', 'x', publisher)).status).toBe(200)
    expect((await signed(b.urls.http!, 'POST', '/topics/closed%2Fa', 'x', publisher)).status).toBe(403)
    expect((await signed(b.urls.http!, 'POST', '/topics/open%2Fa?retain=true', 'x', publisher)).status).toBe(403) // [RET-POLICY-RETAINPUBLISH]
    expect((await signed(b.urls.http!, 'POST', '/topics/open%2Fretained?retain=true', 'x', publisher)).status).toBe(200)
    expect((await signed(b.urls.http!, 'GET', '/retainedMessage/open%2Fretained', '', publisher)).status).toBe(200)
    expect((await http(b.urls.http!, 'GET', '/retainedMessage/open%2Fretained')).status).toBe(403)
    expect((await signed(b.urls.http!, 'GET', '/retainedMessage', '', publisher)).status).toBe(403)
    const id = uid('c')
    await client(b.urls.mqtt!, { clientId: id })
    expect((await signed(b.urls.http!, 'GET', `/connections/${id}`, '', publisher)).status).toBe(403)
    expect((await signed(b.urls.http!, 'DELETE', `/connections/${id}`, '', publisher)).status).toBe(403)
    expect(b.broker.connection(id)).toBeDefined()
  })
})

describe('development mode and configuration', () => {
  it('with no policies every request is allowed, and the broker says so at start', async () => {
    const { logger, lines } = memoryLogger()
    const b = await broker({ logger })
    expect(b.developmentMode).toBe(true)
    expect(lines.some((l) => l.event === 'development-mode')).toBe(true)
    const id = uid('dev')
    await client(b.urls.mqtt!, { clientId: id })
    // an SDK-signed request is fine too: without configured keys the signature is not checked
    expect((await signed(b.urls.http!, 'POST', `/connections/${id}/messages?topic=any`, 'x', OTHER)).status).toBe(200)
  })

  it('policy files are read relative to the --config file; a broken one stops the start with HX_POLICY_INVALID', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mqtt-harness-auth-'))
    writeFileSync(join(dir, 'sender.json'), JSON.stringify(senderPolicy))
    writeFileSync(join(dir, 'config.yaml'), 'auth:\n  region: us-west-2\n  policies:\n    sender: sender.json\n  attachments:\n    default: [sender]\n')
    const b = await broker({ config: join(dir, 'config.yaml') })
    expect(b.developmentMode).toBe(false)
    const id = uid('myDevice')
    await client(b.urls.mqtt!, { clientId: id }).catch((e: Error) => e) // iot:Connect is not granted
    expect(b.broker.connection(id)).toBeUndefined()
    writeFileSync(join(dir, 'bad.yaml'), 'auth:\n  policies:\n    p: missing.json\n')
    const err = await startReferenceBroker({ config: join(dir, 'bad.yaml'), logLevel: 'silent' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(PolicyInvalidError)
    expect((err as PolicyInvalidError).code).toBe('HX_POLICY_INVALID')
  })
})

describe('[DM-AUTH-MODES] HTTPS with client certificates', () => {
  let m: TlsMaterial
  beforeAll(() => { m = makeTlsMaterial() })

  it('the certificate CN is the caller: device-001 may send; no certificate is anonymous; a certificate from another CA is refused', async () => {
    const b = await broker({
      tls: { key: m.serverKey, cert: m.serverCert, ca: m.ca },
      overrides: {
        mqtt: { connectsPerSecondPerClientId: 0 },
        auth: {
          region: 'us-west-2',
          policies: { sender: { Statement: { Effect: 'Allow', Action: 'iot:SendDirectMessage', Resource: `${ARN}client/*`, Condition: { StringLike: { 'iot:Topic': 'commands/*' } } } }, receiver: receiverPolicy },
          attachments: { certificates: { 'device-001': ['sender'] }, default: ['receiver'] },
        },
      },
    })
    expect(b.urls.https).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    const id = uid('recv')
    const got = collect(await client(b.urls.mqtt!, { clientId: id }))
    const agent = (identity: { key?: Buffer; cert?: Buffer }) => new Agent({ connect: { ca: m.ca, servername: 'localhost', ...identity } })
    const path = `/connections/${id}/messages?topic=commands%2Freboot`
    const withCert = await http(b.urls.https!, 'POST', path, { body: 'cert', dispatcher: agent({ key: m.clientKey, cert: m.clientCert }) })
    expect(withCert.status).toBe(200)
    expect((await got.waitFor(1))[0]!.payload.toString()).toBe('cert')
    expect((await http(b.urls.https!, 'POST', path, { body: 'anon', dispatcher: agent({}) })).status).toBe(403)
    const stranger = await http(b.urls.https!, 'POST', path, { body: 'x', dispatcher: agent({ key: m.strangerKey, cert: m.strangerCert }) })
    expect(stranger.status).toBe(403)
    expect(stranger.json.message).toMatch(/not trusted/)
  })
})

describe('[DM-STATUS-401] signatures required (requireSignature), and the deviations that break SigV4 on purpose', () => {
  let m: TlsMaterial
  beforeAll(() => { m = makeTlsMaterial() })
  const everyone = { Statement: { Effect: 'Allow', Action: 'iot:*', Resource: '*' } }
  const required = (extra: { deviations?: string[]; logger?: ReturnType<typeof memoryLogger>['logger'] } = {}) => broker({
    requireSignature: true,
    tls: { key: m.serverKey, cert: m.serverCert, ca: m.ca },
    overrides: { auth: { region: 'us-west-2', policies: { everyone }, attachments: { default: ['everyone'] }, credentials: [SENDER] } },
    ...extra,
  })

  it('an unsigned caller gets 403 signature-missing (C9), a signed one or one with a trusted client certificate 200; the option needs a key', async () => {
    const { logger, lines } = memoryLogger()
    const b = await required({ logger })
    const id = uid('myDevice')
    await client(b.urls.mqtt!, { clientId: id }) // MQTT callers are not affected
    const path = `/connections/${id}/messages?topic=commands%2Freboot`
    const unsigned = await http(b.urls.http!, 'POST', path, { body: 'anon' })
    expect(errorShape(unsigned)).toEqual({ status: 403, type: 'ForbiddenException', hasMessage: true, traceIdMatches: true })
    expect(lines.find((l) => l.event === 'http-request' && l.traceId === unsigned.json.traceId)?.reason).toBe('signature-missing')
    expect((await signed(b.urls.http!, 'POST', path, 'signed', SENDER)).status).toBe(200)
    const agent = (identity: { key?: Buffer; cert?: Buffer }) => new Agent({ connect: { ca: m.ca, servername: 'localhost', ...identity } })
    expect((await http(b.urls.https!, 'POST', path, { body: 'cert', dispatcher: agent({ key: m.clientKey, cert: m.clientCert }) })).status).toBe(200)
    expect((await http(b.urls.https!, 'POST', path, { body: 'anon', dispatcher: agent({}) })).status).toBe(403)
    const err = await startReferenceBroker({ requireSignature: true, logLevel: 'silent' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(PolicyInvalidError)
    expect((err as PolicyInvalidError).message).toMatch(/requireSignature needs at least one SigV4 key/)
  })

  it('sigv4-unchecked serves unsigned and badly signed requests like signed ones', async () => {
    const { logger, lines } = memoryLogger()
    const b = await required({ deviations: ['sigv4-unchecked'], logger })
    const id = uid('myDevice')
    const got = collect(await client(b.urls.mqtt!, { clientId: id }))
    const path = `/connections/${id}/messages?topic=commands%2Freboot`
    expect((await http(b.urls.http!, 'POST', path, { body: 'unsigned' })).status).toBe(200)
    expect((await signed(b.urls.http!, 'POST', path, 'wrong-secret', { ...SENDER, secretAccessKey: 'wrong' })).status).toBe(200)
    const tampered = await signed(b.urls.http!, 'POST', path, 'tampered', SENDER, { tamper: (h) => { h.Authorization = h.Authorization!.replace(/.$/, (d) => (d === '0' ? '1' : '0')) } })
    expect(tampered.status).toBe(200)
    expect((await got.waitFor(3)).map((p) => p.payload.toString())).toEqual(['unsigned', 'wrong-secret', 'tampered'])
    // the claimed key is the caller, unverified
    expect(lines.filter((l) => l.event === 'http-request').map((l) => l.principal)).toEqual(['anonymous', `access-key:${SENDER.accessKeyId}`, `access-key:${SENDER.accessKeyId}`])
  })

  it('[API-SIGNING-NAME] signing-name-iotdata-only refuses the iotdevicegateway scope (C10) and still accepts iotdata', async () => {
    const { logger, lines } = memoryLogger()
    const b = await required({ deviations: ['signing-name-iotdata-only'], logger })
    const id = uid('myDevice')
    await client(b.urls.mqtt!, { clientId: id })
    const path = `/connections/${id}`
    expect((await signed(b.urls.http!, 'GET', path, '', SENDER, { service: 'iotdata' })).status).toBe(200)
    const gateway = await signed(b.urls.http!, 'GET', path, '', SENDER, { service: 'iotdevicegateway' })
    expect(errorShape(gateway)).toEqual({ status: 403, type: 'ForbiddenException', hasMessage: true, traceIdMatches: true })
    expect(lines.find((l) => l.event === 'http-request' && l.traceId === gateway.json.traceId)?.reason).toBe('signature-wrong-service')
    // documented: both names are accepted
    const plain = await required()
    await client(plain.urls.mqtt!, { clientId: id })
    expect((await signed(plain.urls.http!, 'GET', path, '', SENDER, { service: 'iotdevicegateway' })).status).toBe(200)
  })
})
