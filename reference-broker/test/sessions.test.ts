import { describe, expect, it } from 'vitest'
import { broker, client, collect, connackOf, rawConnected, uid, until } from './helpers.js'
import type { ReferenceBroker } from '../index.js'

/** Waits past the 1 CONNECT/s per client id quota before reconnecting with the same id. */
const pastConnectQuota = () => new Promise((r) => setTimeout(r, 1050))

async function queueWhileOffline(b: ReferenceBroker, opts: { version: 4 | 5; count: number; sessionProps?: Record<string, unknown>; mei?: number }) {
  const id = uid('persist')
  const sessionOpts = opts.version === 5 ? { clean: false, properties: { sessionExpiryInterval: 300, ...opts.sessionProps } } : { clean: false }
  const first = await client(b.urls.mqtt!, { clientId: id, protocolVersion: opts.version, ...sessionOpts })
  await first.subscribeAsync('ps/q', { qos: 1 })
  await first.endAsync()
  const pub = await client(b.urls.mqtt!, { protocolVersion: 5 })
  for (let i = 0; i < opts.count; i++) {
    await pub.publishAsync('ps/q', `m${i}`, { qos: 1, properties: opts.mei === undefined ? undefined : { messageExpiryInterval: opts.mei } })
  }
  return { id, sessionOpts }
}

describe('persistent sessions [PS-*]', () => {
  it.each([4, 5] as const)('MQTT %i: session present, subscriptions restored, queued QoS 1 delivered after CONNACK [PS-CREATE-311] [PS-CREATE-V5] [PS-DELIVER-AFTER-CONNACK]', async (version) => {
    const b = await broker()
    const { id, sessionOpts } = await queueWhileOffline(b, { version, count: 3 })
    await pastConnectQuota()
    const again = await client(b.urls.mqtt!, { clientId: id, protocolVersion: version, ...sessionOpts })
    const got = collect(again)
    expect(connackOf(again).sessionPresent).toBe(true)
    const msgs = await got.waitFor(3)
    expect(msgs.map((m) => m.payload.toString()).sort()).toEqual(['m0', 'm1', 'm2'])
    // the restored subscription still delivers live traffic without a new SUBSCRIBE [PS-SESSION-PRESENT]
    const pub = await client(b.urls.mqtt!)
    await pub.publishAsync('ps/q', 'live', { qos: 1 })
    await got.waitFor(4)
  })

  it('replays stored messages at no more than 10 per second [PS-REPLAY-RATE]', async () => {
    const b = await broker()
    const { id, sessionOpts } = await queueWhileOffline(b, { version: 4, count: 25 })
    await pastConnectQuota()
    const again = await client(b.urls.mqtt!, { clientId: id, protocolVersion: 4, ...sessionOpts })
    const got = collect(again)
    const msgs = await got.waitFor(25, 6000)
    const times = msgs.map((m) => m.at)
    expect(times[24]! - times[0]!).toBeGreaterThanOrEqual(2300) // 25 messages at 10/s span ~2.4 s
    for (let i = 0; i + 11 < times.length; i++) expect(times[i + 11]! - times[i]!).toBeGreaterThanOrEqual(1000) // no 1-s window holds 12
  })

  it('an unthrottled profile replays at once (the rate comes from the profile)', async () => {
    const b = await broker({ overrides: { sessions: { replayRatePerSecond: 0 } } })
    const { id, sessionOpts } = await queueWhileOffline(b, { version: 4, count: 25 })
    await pastConnectQuota()
    const again = await client(b.urls.mqtt!, { clientId: id, protocolVersion: 4, ...sessionOpts })
    const msgs = await collect(again).waitFor(25, 3000)
    expect(msgs[24]!.at - msgs[0]!.at).toBeLessThan(1000)
  })

  it('MQTT 5 without Session Expiry does not keep the session [PS-SEI-DEFAULT-ZERO]', async () => {
    const b = await broker()
    const id = uid()
    const first = await client(b.urls.mqtt!, { clientId: id, protocolVersion: 5, clean: false })
    await first.subscribeAsync('ps/zero', { qos: 1 })
    await first.endAsync()
    await pastConnectQuota()
    const again = await client(b.urls.mqtt!, { clientId: id, protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 60 } })
    expect(connackOf(again).sessionPresent).toBe(false)
  })

  it('MQTT 5 Clean Start 0 without Session Expiry still resumes a stored session and gets its messages (aedes defect 2)', async () => {
    const b = await broker()
    const { id } = await queueWhileOffline(b, { version: 5, count: 2 })
    await pastConnectQuota()
    const again = await client(b.urls.mqtt!, { clientId: id, protocolVersion: 5, clean: false })
    expect(connackOf(again).sessionPresent).toBe(true)
    expect(connackOf(again).properties?.sessionExpiryInterval).toBeUndefined()
    await collect(again).waitFor(2)
    await again.endAsync()
    await until(() => !b.broker.hasPersistentSession(id), 2000, 'session to end with the connection')
  })

  it.each([4, 5] as const)('MQTT %i session expires after the configured expiry [PS-EXPIRY-DEFAULT-1H] [PS-EXPIRED-NEW-SESSION]', async (version) => {
    const b = await broker({ overrides: { sessions: { expirySeconds: 1 } } })
    const { id, sessionOpts } = await queueWhileOffline(b, { version, count: 1 })
    expect(b.broker.hasPersistentSession(id)).toBe(true)
    await until(() => !b.broker.hasPersistentSession(id), 3000, 'session expiry')
    const again = await client(b.urls.mqtt!, { clientId: id, protocolVersion: version, ...sessionOpts })
    expect(connackOf(again).sessionPresent).toBe(false)
    const none = collect(again)
    await expect(none.waitFor(1, 500)).rejects.toThrow(/got 0/)
  })

  it('Clean Start / cleanSession 1 ends the stored session [PS-CLEAN-ENDS-SESSION]', async () => {
    const b = await broker()
    const { id } = await queueWhileOffline(b, { version: 4, count: 1 })
    await pastConnectQuota()
    const clean = await client(b.urls.mqtt!, { clientId: id, protocolVersion: 4, clean: true })
    expect(connackOf(clean).sessionPresent).toBe(false)
    await clean.endAsync()
    await pastConnectQuota()
    const again = await client(b.urls.mqtt!, { clientId: id, protocolVersion: 4, clean: false })
    expect(connackOf(again).sessionPresent).toBe(false)
  })

  it('a 3.1.1 session is not resumed by MQTT 5 [PS-NO-CROSS-VERSION]', async () => {
    const b = await broker()
    const { id } = await queueWhileOffline(b, { version: 4, count: 1 })
    await pastConnectQuota()
    const v5 = await client(b.urls.mqtt!, { clientId: id, protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 300 } })
    expect(connackOf(v5).sessionPresent).toBe(false)
  })

  it('a 3.1.1 cleanSession 0 over a stored MQTT 5 session starts a new session that is persistent itself [PS-NO-CROSS-VERSION]', async () => {
    const b = await broker()
    const id = uid()
    const v5 = await client(b.urls.mqtt!, { clientId: id, protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 300 } })
    await v5.subscribeAsync('ps/x5', { qos: 1 })
    await v5.endAsync()
    await pastConnectQuota()
    const v4 = await client(b.urls.mqtt!, { clientId: id, protocolVersion: 4, clean: false })
    expect(connackOf(v4).sessionPresent).toBe(false)
    await v4.subscribeAsync('ps/x4', { qos: 1 })
    await v4.endAsync()
    await until(() => b.broker.connection(id) === undefined, 2000, 'the 3.1.1 connection to close')
    expect(b.broker.hasPersistentSession(id)).toBe(true)
    const pub = await client(b.urls.mqtt!, { protocolVersion: 5 })
    await pub.publishAsync('ps/x4', 'kept', { qos: 1 })
    await pastConnectQuota()
    const again = await client(b.urls.mqtt!, { clientId: id, protocolVersion: 4, clean: false })
    expect(connackOf(again).sessionPresent).toBe(true)
    const got = await collect(again).waitFor(1)
    expect(got.map((m) => m.payload.toString())).toEqual(['kept'])
  })

  it('MQTT 5 Clean Start 0 without Session Expiry over a stored 3.1.1 session: a new session that ends with the connection [PS-NO-CROSS-VERSION] [PS-SEI-DEFAULT-ZERO]', async () => {
    const b = await broker()
    const { id } = await queueWhileOffline(b, { version: 4, count: 1 })
    await pastConnectQuota()
    const v5 = await client(b.urls.mqtt!, { clientId: id, protocolVersion: 5, clean: false })
    expect(connackOf(v5).sessionPresent).toBe(false)
    await v5.subscribeAsync('ps/x0', { qos: 1 })
    await v5.endAsync()
    await until(() => b.broker.connection(id) === undefined, 2000, 'the MQTT 5 connection to close')
    expect(b.broker.hasPersistentSession(id)).toBe(false)
    await pastConnectQuota()
    const again = await client(b.urls.mqtt!, { clientId: id, protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 60 } })
    expect(connackOf(again).sessionPresent).toBe(false)
  })

  it('a takeover by a persistent connection keeps the session, even when the old connection\'s session was to end with it [CID-TAKEOVER] [PS-SEI-DEFAULT-ZERO]', async () => {
    const b = await broker({ overrides: { mqtt: { connectsPerSecondPerClientId: 0 } } })
    const id = uid()
    const old = await client(b.urls.mqtt!, { clientId: id, protocolVersion: 5, clean: false })
    await old.subscribeAsync('ps/take', { qos: 1 })
    const fresh = await client(b.urls.mqtt!, { clientId: id, protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 300 } })
    await until(() => !old.connected, 2000, 'the old connection to be taken over')
    await fresh.endAsync()
    await until(() => b.broker.connection(id) === undefined, 2000, 'the new connection to close')
    expect(b.broker.hasPersistentSession(id)).toBe(true)
  })

  it('only QoS 1 messages are stored [PERSISTED-QOS-IS-MIN]', async () => {
    const b = await broker()
    const id = uid()
    const first = await client(b.urls.mqtt!, { clientId: id, protocolVersion: 4, clean: false })
    await first.subscribeAsync('ps/min', { qos: 1 })
    await first.endAsync()
    const pub = await client(b.urls.mqtt!)
    await pub.publishAsync('ps/min', 'q0', { qos: 0 })
    await pub.publishAsync('ps/min', 'q1', { qos: 1 })
    await pastConnectQuota()
    const again = await client(b.urls.mqtt!, { clientId: id, protocolVersion: 4, clean: false })
    const got = collect(again)
    await got.waitFor(1)
    await expect(got.waitFor(2, 500)).rejects.toThrow()
    expect(got.messages.map((m) => m.payload.toString())).toEqual(['q1'])
  })
})

describe('message expiry for queued messages [PS-MEI-EXPIRED-NOT-DELIVERED] [MEI-REMAINING]', () => {
  it('drops an expired queued message and delivers the rest with the remaining interval', async () => {
    const b = await broker()
    const id = uid()
    const sub = await client(b.urls.mqtt!, { clientId: id, protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 300 } })
    await sub.subscribeAsync('mei/q', { qos: 1 })
    await sub.endAsync()
    const pub = await client(b.urls.mqtt!, { protocolVersion: 5 })
    await pub.publishAsync('mei/q', 'short', { qos: 1, properties: { messageExpiryInterval: 1 } })
    await pub.publishAsync('mei/q', 'long', { qos: 1, properties: { messageExpiryInterval: 60 } })
    await new Promise((r) => setTimeout(r, 2100)) // the 1 s message must expire while the client is offline
    const again = await client(b.urls.mqtt!, { clientId: id, protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 300 } })
    const got = collect(again)
    const [m] = await got.waitFor(1)
    await expect(got.waitFor(2, 500)).rejects.toThrow()
    expect(m!.payload.toString()).toBe('long')
    expect(m!.packet.properties?.messageExpiryInterval).toBeGreaterThanOrEqual(56)
    expect(m!.packet.properties?.messageExpiryInterval).toBeLessThanOrEqual(58)
  })

  // aedes hands over a stored message with what is left of its expiry rounded UP to whole seconds;
  // without the exact expiry the gate would pass that on where the replay is not paced.
  it.each([['paced (10/s)', 10], ['unpaced', 0]] as const)('a queued message\'s remaining interval is the exact time left rounded down, replay %s [MEI-REMAINING] [MEI-ZERO-ROUNDING]', async (_, replayRatePerSecond) => {
    const b = await broker({ overrides: { sessions: { replayRatePerSecond } } })
    const id = uid()
    const session = { clientId: id, protocolVersion: 5 as const, clean: false, properties: { sessionExpiryInterval: 300 } }
    const sub = await client(b.urls.mqtt!, session)
    await sub.subscribeAsync('mei/exact', { qos: 1 })
    await sub.endAsync()
    const pub = await client(b.urls.mqtt!, { protocolVersion: 5 })
    const sentAt = Date.now()
    await pub.publishAsync('mei/exact', 'm', { qos: 1, properties: { messageExpiryInterval: 60 } })
    const ackedAt = Date.now()
    await pastConnectQuota()
    const reconnectAt = Date.now()
    const again = await client(b.urls.mqtt!, session)
    const [m] = await collect(again).waitFor(1)
    // The broker stored the message between sentAt and ackedAt and sent it between reconnectAt and
    // its arrival: at least (reconnectAt - ackedAt) ms had passed, so no more than this is left.
    // aedes alone rounds what is left up to whole seconds (59 here); the exact expiry gives 58.
    const most = Math.floor((60_000 - (reconnectAt - ackedAt)) / 1000)
    const least = Math.floor((60_000 - (m!.at - sentAt)) / 1000)
    expect(m!.packet.properties?.messageExpiryInterval).toBeLessThanOrEqual(most)
    expect(m!.packet.properties?.messageExpiryInterval).toBeGreaterThanOrEqual(least)
  })

  it('clamps MEI 0 to 1 and above 7 days to 604800 [MEI-MIN-1] [MEI-MAX-7-DAYS]', async () => {
    const b = await broker()
    const { c: sub } = await rawConnected(b.urls.mqtt!, 5)
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'mei/clamp', qos: 0 }] })
    await sub.next((p) => p.cmd === 'suback', 2000)
    const { c: pub } = await rawConnected(b.urls.mqtt!, 5)
    pub.send({ cmd: 'publish', topic: 'mei/clamp', payload: Buffer.from('big'), qos: 0, properties: { messageExpiryInterval: 10_000_000 } })
    const big = await sub.next((p) => p.cmd === 'publish', 2000)
    expect(big.properties?.messageExpiryInterval).toBe(604800)
    pub.send({ cmd: 'publish', topic: 'mei/clamp', payload: Buffer.from('zero'), qos: 0, properties: { messageExpiryInterval: 0 } })
    const zero = await sub.next((p) => p.cmd === 'publish', 2000)
    expect(zero.properties?.messageExpiryInterval).toBe(1)
  })
})
