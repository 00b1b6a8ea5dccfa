import { describe, expect, it } from 'vitest'
import mqtt from 'mqtt'
import { broker, client, closedWithin, collect, raw, uid, until } from './helpers.js'
import { errorShape, http } from './http-helpers.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('GetConnection and ListSubscriptions', () => {
  it('[API-GET-CONNECTION] a connected persistent 3.1.1 client, then the same client after it disconnected', async () => {
    const b = await broker()
    const id = uid('conn')
    const c = await client(b.urls.mqtt!, { clientId: id, clean: false, keepalive: 60 })
    const res = await http(b.urls.http!, 'GET', `/connections/${id}?includeSocketInformation=true`)
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({ connected: true, clientId: id, cleanSession: false, keepAliveDuration: 60, sessionExpiry: 3600, sourceIp: '127.0.0.1', targetPort: b.ports.mqtt })
    expect(res.json.connectedSince).toBeLessThanOrEqual(Date.now())
    await c.endAsync()
    await until(() => !b.broker.connection(id), 2000, 'disconnect')
    await sleep(50)
    const after = await http(b.urls.http!, 'GET', `/connections/${id}`)
    expect(after.json).toMatchObject({ connected: false, clientId: id, cleanSession: false, disconnectReason: 'CLIENT_INITIATED_DISCONNECT' })
    expect(after.json.disconnectedSince).toBeLessThanOrEqual(Date.now())
    expect(errorShape(await http(b.urls.http!, 'GET', `/connections/${uid('never')}`))).toMatchObject({ status: 404, type: 'ResourceNotFoundException' })
    expect((await http(b.urls.http!, 'GET', '/connections/%24x')).status).toBe(400)
  })

  it('[API-LIST-SUBSCRIPTIONS] filters with QoS, for a connected client and for an offline persistent session, paginated', async () => {
    const b = await broker()
    const id = uid('subs')
    const c = await client(b.urls.mqtt!, { clientId: id, clean: false })
    await c.subscribeAsync({ 'a/#': { qos: 1 }, 'b/+': { qos: 0 }, c: { qos: 1 } })
    const live = await http(b.urls.http!, 'GET', `/connections/${id}/subscriptions`)
    expect(live.json.subscriptions).toEqual([{ topicFilter: 'a/#', qos: 1 }, { topicFilter: 'b/+', qos: 0 }, { topicFilter: 'c', qos: 1 }])
    await c.endAsync()
    await until(() => b.broker.hasPersistentSession(id), 2000, 'offline session')
    const page1 = await http(b.urls.http!, 'GET', `/connections/${id}/subscriptions?maxResults=2`)
    expect(page1.json.subscriptions).toEqual([{ topicFilter: 'a/#', qos: 1 }, { topicFilter: 'b/+', qos: 0 }])
    const page2 = await http(b.urls.http!, 'GET', `/connections/${id}/subscriptions?maxResults=2&nextToken=${page1.json.nextToken}`)
    expect(page2.json.subscriptions).toEqual([{ topicFilter: 'c', qos: 1 }])
    expect(page2.json.nextToken).toBeUndefined()
    expect((await http(b.urls.http!, 'GET', `/connections/${uid('never')}/subscriptions`)).status).toBe(404)
  })
})

describe('GetConnection after a takeover [CID-TAKEOVER] [API-GET-CONNECTION]', () => {
  it.each([4, 5] as const)('MQTT %i: once the old connection has closed, the new one is still the connected one', async (version) => {
    const b = await broker({ overrides: { mqtt: { connectsPerSecondPerClientId: 0 } } })
    const id = uid('take')
    const old = await raw(b.urls.mqtt!, version)
    await old.connect({ clientId: id, protocolVersion: version, clean: false })
    const fresh = await raw(b.urls.mqtt!, version)
    await fresh.connect({ clientId: id, protocolVersion: version, clean: false })
    await old.waitClosed(3000)
    await until(() => b.broker.connectionCount === 1, 3000, 'the old connection to be released')
    const res = await http(b.urls.http!, 'GET', `/connections/${id}`)
    expect(res.json).toMatchObject({ connected: true, clientId: id })
    fresh.destroy()
  })
})

describe('a persistent session that ended is no longer listed [API-GET-CONNECTION] [API-LIST-SUBSCRIPTIONS] [DM-404-PERSISTENT-SESSION]', () => {
  /** Polls ListSubscriptions until it answers `status`; fails at the deadline. */
  async function listedUntil(base: string, id: string, status: number, ms: number): Promise<void> {
    const deadline = Date.now() + ms
    for (;;) {
      const res = await http(base, 'GET', `/connections/${id}/subscriptions`)
      if (res.status === status) return
      if (Date.now() > deadline) throw new Error(`ListSubscriptions still ${res.status} after ${ms} ms, expected ${status}`)
      await sleep(50)
    }
  }

  it.each([4, 5] as const)('MQTT %i: a clean session is never listed as persistent once its connection closed', async (version) => {
    const b = await broker()
    const id = uid('clean')
    const r = await raw(b.urls.mqtt!, version)
    await r.connect({ clientId: id, protocolVersion: version, clean: true })
    r.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'clean/#', qos: 1 }] })
    await r.next((p) => p.cmd === 'suback', 3000)
    r.send({ cmd: 'disconnect' })
    await r.waitClosed(3000)
    await until(() => !b.broker.connection(id), 2000, 'disconnect')
    expect(b.broker.hasPersistentSession(id)).toBe(false)
    expect((await http(b.urls.http!, 'GET', `/connections/${id}/subscriptions`)).status).toBe(404)
    expect((await http(b.urls.http!, 'GET', `/connections/${id}`)).json).toMatchObject({ connected: false, clientId: id, cleanSession: true })
  })

  it.each([
    ['expires after the profile\'s Session Expiry [PS-EXPIRY-DEFAULT-1H]', 4],
    ['ends at close by a DISCONNECT with Session Expiry 0 [PS-SEI-DEFAULT-ZERO]', 5],
  ] as const)('a session that %s: GetConnection says cleanSession true, ListSubscriptions 404', async (_, version) => {
    const b = await broker({ overrides: { sessions: { expirySeconds: 1 } } })
    const id = uid('ended')
    const r = await raw(b.urls.mqtt!, version)
    await r.connect({ clientId: id, protocolVersion: version, clean: false, ...(version === 5 ? { properties: { sessionExpiryInterval: 1 } } : {}) })
    r.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'ended/#', qos: 1 }] })
    await r.next((p) => p.cmd === 'suback', 3000)
    if (version === 5) {
      r.send({ cmd: 'disconnect', reasonCode: 0, properties: { sessionExpiryInterval: 0 } })
    } else {
      r.send({ cmd: 'disconnect' })
      await until(() => b.broker.hasPersistentSession(id), 2000, 'offline session')
      expect((await http(b.urls.http!, 'GET', `/connections/${id}/subscriptions`)).status).toBe(200)
    }
    await r.waitClosed(3000)
    await listedUntil(b.urls.http!, id, 404, 5000)
    const got = await http(b.urls.http!, 'GET', `/connections/${id}`)
    expect(got.json).toMatchObject({ connected: false, clientId: id, cleanSession: true })
  })
})

describe('[API-DELETE-CONNECTION] DeleteConnection', () => {
  it('MQTT 5: DISCONNECT 0x98, the Will is published, the session is kept; 200 with no body', async () => {
    const b = await broker({ overrides: { mqtt: { connectsPerSecondPerClientId: 0 } } })
    const id = uid('del')
    const willTopic = `will/${uid()}`
    const watcher = await client(b.urls.mqtt!)
    await watcher.subscribeAsync(willTopic, { qos: 1 })
    const wills = collect(watcher)
    const r = await raw(b.urls.mqtt!, 5)
    await r.connect({ clientId: id, protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 300 }, will: { topic: willTopic, payload: Buffer.from('gone'), qos: 1, retain: false } })
    r.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'kept/#', qos: 1 }] })
    await r.next((p) => p.cmd === 'suback', 3000)
    const res = await http(b.urls.http!, 'DELETE', `/connections/${id}`)
    expect(res.status).toBe(200)
    expect(res.text).toBe('')
    expect(res.headers['x-amzn-requestid']).toBeTypeOf('string')
    const disconnect = await r.next((p) => p.cmd === 'disconnect', 3000)
    expect(disconnect.reasonCode).toBe(0x98)
    await r.waitClosed(3000)
    expect((await wills.waitFor(1))[0]!.payload.toString()).toBe('gone')
    expect(b.broker.hasPersistentSession(id)).toBe(true)
    const again = await raw(b.urls.mqtt!, 5)
    const connack = await again.connect({ clientId: id, protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 300 } })
    expect(connack.sessionPresent).toBe(true)
  })

  it('cleanSession=true&preventWillMessage=true: no Will, and the session is gone (reconnect has sessionPresent 0)', async () => {
    const b = await broker({ overrides: { mqtt: { connectsPerSecondPerClientId: 0 } } })
    const id = uid('del')
    const willTopic = `will/${uid()}`
    const watcher = await client(b.urls.mqtt!)
    await watcher.subscribeAsync(willTopic, { qos: 1 })
    const wills = collect(watcher)
    const c = mqtt.connect(b.urls.mqtt!, { clientId: id, clean: false, reconnectPeriod: 0, will: { topic: willTopic, payload: Buffer.from('gone'), qos: 1, retain: false } })
    await new Promise((r) => c.once('connect', r))
    await c.subscribeAsync('x/#', { qos: 1 })
    const res = await http(b.urls.http!, 'DELETE', `/connections/${id}?cleanSession=true&preventWillMessage=true`)
    expect(res.status).toBe(200)
    await closedWithin(c, 3000)
    c.end(true)
    await sleep(300)
    expect(wills.messages).toHaveLength(0)
    expect(b.broker.hasPersistentSession(id)).toBe(false)
    const again = mqtt.connect(b.urls.mqtt!, { clientId: id, clean: false, reconnectPeriod: 0 })
    const connack = await new Promise<mqtt.IConnackPacket>((r) => again.once('connect', r))
    again.end(true)
    expect(connack.sessionPresent).toBe(false)
  })

  it('the lifecycle event says API_INITIATED_DISCONNECT; an offline persistent session is deleted with cleanSession=true; unknown ids are 404', async () => {
    const b = await broker({ overrides: { mqtt: { connectsPerSecondPerClientId: 0 } } })
    const id = uid('del')
    const events = await client(b.urls.mqtt!)
    await events.subscribeAsync(`$aws/events/presence/disconnected/${id}`, { qos: 1 })
    const seen = collect(events)
    const c = await client(b.urls.mqtt!, { clientId: id, clean: false })
    await c.subscribeAsync('y/#', { qos: 1 })
    expect((await http(b.urls.http!, 'DELETE', `/connections/${id}`)).status).toBe(200)
    const [e] = await seen.waitFor(1)
    expect(JSON.parse(e!.payload.toString()).disconnectReason).toBe('API_INITIATED_DISCONNECT')
    c.end(true)
    await until(() => b.broker.hasPersistentSession(id), 2000, 'offline session')
    expect((await http(b.urls.http!, 'DELETE', `/connections/${id}`)).status).toBe(200) // kept without cleanSession
    expect(b.broker.hasPersistentSession(id)).toBe(true)
    expect((await http(b.urls.http!, 'DELETE', `/connections/${id}?cleanSession=true`)).status).toBe(200)
    expect(b.broker.hasPersistentSession(id)).toBe(false)
    expect((await http(b.urls.http!, 'DELETE', `/connections/${id}`)).status).toBe(404)
    expect((await http(b.urls.http!, 'DELETE', `/connections/${id}?cleanSession=maybe`)).status).toBe(400)
  })
})
