import { beforeAll, describe, expect, it } from 'vitest'
import { broker, client, collect, raw, uid } from './helpers.js'
import { makeTlsMaterial, type TlsMaterial } from '../../test/tls-material.js'
import type { ProfileOverrides } from '../index.js'

const ARN = 'arn:aws:iot:us-east-1:123456789012:'
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Everyone (anonymous) may connect as `ok-*`, publish under pub/ (not pub/secret), sub/ and
 * any inbox `ok-*`, subscribe to sub/ and any inbox, but receive only on sub/ok/ and their
 * own inbox `${iot:ClientId}/...`.
 */
const defaultPolicy = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: 'iot:Connect', Resource: `${ARN}client/ok-*` },
    { Effect: 'Allow', Action: 'iot:Publish', Resource: [`${ARN}topic/pub/*`, `${ARN}topic/sub/*`, `${ARN}topic/ok-*`] },
    { Effect: 'Deny', Action: 'iot:Publish', Resource: `${ARN}topic/pub/secret` },
    { Effect: 'Allow', Action: 'iot:RetainPublish', Resource: `${ARN}topic/pub/retained/*` },
    { Effect: 'Allow', Action: 'iot:Subscribe', Resource: [`${ARN}topicfilter/sub/*`, `${ARN}topicfilter/ok-*`] },
    { Effect: 'Allow', Action: 'iot:Receive', Resource: [`${ARN}topic/sub/ok/*`, `${ARN}topic/\${iot:ClientId}/*`] },
  ],
}
const overrides: ProfileOverrides = {
  mqtt: { connectsPerSecondPerClientId: 0 },
  auth: { policies: { everyone: defaultPolicy }, attachments: { default: ['everyone'] } },
}
const ok = () => uid('ok')

describe('policies on MQTT', () => {
  it('[AUTHZ-ACTIONS] iot:Connect: MQTT 5 gets CONNACK 0x87, MQTT 3.1.1 CONNACK 5; an allowed client id connects', async () => {
    const b = await broker({ overrides })
    expect(b.developmentMode).toBe(false)
    const v5 = await raw(b.urls.mqtt!, 5)
    expect((await v5.connect({ clientId: uid('denied'), protocolVersion: 5 })).reasonCode).toBe(0x87)
    const v4 = await raw(b.urls.mqtt!, 4)
    expect((await v4.connect({ clientId: uid('denied'), protocolVersion: 4 })).returnCode).toBe(5)
    await v4.waitClosed(3000)
    const good = await raw(b.urls.mqtt!, 5)
    expect((await good.connect({ clientId: ok(), protocolVersion: 5 })).reasonCode).toBe(0)
  })

  it('[AUTHZ-V5-REASON-CODES] MQTT 5 publish without iot:Publish: PUBACK 0x87, the connection stays, nothing is delivered; explicit Deny wins', async () => {
    const b = await broker({ overrides })
    const watcher = await client(b.urls.mqtt!, { clientId: ok() })
    await watcher.subscribeAsync('sub/#', { qos: 1 })
    const seen = collect(watcher)
    const { c } = await rawConnected(b.urls.mqtt!)
    c.send({ cmd: 'publish', topic: 'elsewhere/x', qos: 1, messageId: 1, payload: Buffer.from('x'), retain: false, dup: false })
    expect((await c.next((p) => p.cmd === 'puback', 3000)).reasonCode).toBe(0x87)
    c.send({ cmd: 'publish', topic: 'pub/secret', qos: 1, messageId: 2, payload: Buffer.from('x'), retain: false, dup: false })
    expect((await c.next((p) => p.cmd === 'puback' && p.messageId === 2, 3000)).reasonCode).toBe(0x87)
    c.send({ cmd: 'publish', topic: 'sub/ok/1', qos: 1, messageId: 3, payload: Buffer.from('fine'), retain: false, dup: false })
    expect((await c.next((p) => p.cmd === 'puback' && p.messageId === 3, 3000)).reasonCode).toBe(0)
    expect((await seen.waitFor(1)).map((m) => m.topic)).toEqual(['sub/ok/1'])
    expect(c.isClosed).toBe(false)
  })

  it('[AUTHZ-311-DISCONNECT] MQTT 3.1.1 publish without iot:Publish closes the connection', async () => {
    const b = await broker({ overrides })
    const c = await raw(b.urls.mqtt!, 4)
    await c.connect({ clientId: ok(), protocolVersion: 4 })
    c.send({ cmd: 'publish', topic: 'elsewhere/x', qos: 1, messageId: 1, payload: Buffer.from('x'), retain: false, dup: false })
    await c.waitClosed(3000)
    expect(c.received.some((p) => p.cmd === 'puback')).toBe(false)
  })

  it('[RET-POLICY-RETAINPUBLISH] a retained publish also needs iot:RetainPublish', async () => {
    const b = await broker({ overrides })
    const { c } = await rawConnected(b.urls.mqtt!)
    c.send({ cmd: 'publish', topic: 'pub/plain', qos: 1, messageId: 1, payload: Buffer.from('x'), retain: true, dup: false })
    expect((await c.next((p) => p.cmd === 'puback', 3000)).reasonCode).toBe(0x87)
    c.send({ cmd: 'publish', topic: 'pub/plain', qos: 1, messageId: 2, payload: Buffer.from('x'), retain: false, dup: false })
    expect((await c.next((p) => p.cmd === 'puback' && p.messageId === 2, 3000)).reasonCode).toBe(0)
    c.send({ cmd: 'publish', topic: 'pub/retained/1', qos: 1, messageId: 3, payload: Buffer.from('x'), retain: true, dup: false })
    expect((await c.next((p) => p.cmd === 'puback' && p.messageId === 3, 3000)).reasonCode).toBe(0)
  })

  it('[SUBACK-UNSUBACK-CODES] iot:Subscribe: MQTT 5 SUBACK 0x87 per refused filter; MQTT 3.1.1 closes the connection [AUTHZ-311-DISCONNECT]', async () => {
    const b = await broker({ overrides })
    const { c } = await rawConnected(b.urls.mqtt!)
    c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'sub/a', qos: 1 }, { topic: 'other/#', qos: 1 }] })
    expect((await c.next((p) => p.cmd === 'suback', 3000)).granted).toEqual([1, 0x87])
    const v4 = await raw(b.urls.mqtt!, 4)
    await v4.connect({ clientId: ok(), protocolVersion: 4 })
    v4.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'other/#', qos: 1 }] })
    await v4.waitClosed(3000)
    expect(v4.received.some((p) => p.cmd === 'suback')).toBe(false)
  })

  it('iot:Receive is checked per delivery, and ${iot:ClientId} gives each client its own inbox', async () => {
    const b = await broker({ overrides })
    const owner = ok()
    const snoop = ok()
    const r = await client(b.urls.mqtt!, { clientId: owner })
    await r.subscribeAsync('sub/#', { qos: 1 })
    await r.subscribeAsync(`${owner}/#`, { qos: 1 })
    const got = collect(r)
    const s = await client(b.urls.mqtt!, { clientId: snoop })
    await s.subscribeAsync(`${owner}/#`, { qos: 1 }) // allowed to subscribe, not to receive
    const snooped = collect(s)
    const p = await client(b.urls.mqtt!, { clientId: ok() })
    await p.publishAsync('sub/no/1', 'blocked', { qos: 1 })
    await p.publishAsync('sub/ok/1', 'allowed', { qos: 1 })
    await p.publishAsync(`${owner}/inbox`, 'private', { qos: 1 })
    await got.waitFor(2)
    await sleep(300)
    expect(got.messages.map((m) => m.payload.toString()).sort()).toEqual(['allowed', 'private'])
    expect(snooped.messages).toHaveLength(0)
  })
})

describe('policies by certificate (mutual TLS)', () => {
  let m: TlsMaterial
  beforeAll(() => { m = makeTlsMaterial() })

  it('the client certificate CN selects the policy: device-001 may connect with any id; anonymous TCP may not', async () => {
    const b = await broker({
      tls: { key: m.serverKey, cert: m.serverCert, ca: m.ca, requestCert: true },
      overrides: {
        auth: {
          policies: { device: { Statement: { Effect: 'Allow', Action: 'iot:Connect', Resource: `${ARN}client/*` } } },
          attachments: { certificates: { 'device-001': ['device'] } },
        },
      },
    })
    const id = uid('any')
    await client(b.urls.mqtts!, { ca: m.ca, servername: 'localhost', key: m.clientKey, cert: m.clientCert, clientId: id, protocolVersion: 5 })
    expect(b.broker.connection(id)?.info.certificateSubject).toBe('device-001')
    const anon = await raw(b.urls.mqtt!, 5)
    expect((await anon.connect({ clientId: uid('any'), protocolVersion: 5 })).reasonCode).toBe(0x87)
  })
})

async function rawConnected(url: string) {
  const c = await raw(url, 5)
  const connack = await c.connect({ clientId: ok(), protocolVersion: 5 })
  expect(connack.reasonCode).toBe(0)
  return { c }
}
