import { describe, expect, it } from 'vitest'
import { broker, client, collect, connackOf, rawConnected, uid } from './helpers.js'
import type { ReferenceBroker, ReferenceBrokerOptions } from '../index.js'

/** Waits past the 1 CONNECT/s per client id quota before reconnecting with the same id. */
const pastConnectQuota = () => new Promise((r) => setTimeout(r, 1050))
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const V5_SESSION = { protocolVersion: 5 as const, clean: false, properties: { sessionExpiryInterval: 300 } }

/** A persistent-session member of `$share/{group}/{topic}` that subscribed and went offline. */
async function offlineMember(b: ReferenceBroker, group: string, topic: string, opts: Record<string, unknown> = V5_SESSION) {
  const clientId = uid('member')
  const m = await client(b.urls.mqtt!, { clientId, ...opts })
  await m.subscribeAsync(`$share/${group}/${topic}`, { qos: 1 })
  await m.endAsync()
  return { clientId, opts, resume: async () => { await pastConnectQuota(); const c = await client(b.urls.mqtt!, { clientId, ...opts }); return { c, got: collect(c) } } }
}

async function publisher(b: ReferenceBroker) {
  return client(b.urls.mqtt!, { protocolVersion: 5 })
}

async function started(options: ReferenceBrokerOptions = {}) {
  return broker(options)
}

describe('shared subscription queueing for offline persistent members [SHARE-QUEUE]', () => {
  it.each([4, 5] as const)('MQTT %i: QoS 1 is queued while the only member is offline and delivered when it resumes, QoS 0 is dropped [SHARE-QOS0-DROP]', async (version) => {
    const b = await started()
    const opts = version === 5 ? V5_SESSION : { protocolVersion: 4 as const, clean: false }
    const member = await offlineMember(b, 'gq', 'sq/a', opts)
    const pub = await publisher(b)
    await pub.publishAsync('sq/a', 'q0', { qos: 0 })
    for (let i = 0; i < 3; i++) await pub.publishAsync('sq/a', `q1-${i}`, { qos: 1 })
    expect(b.broker.shared.queuedCount('gq', 'sq/a')).toBe(3)
    const { got } = await member.resume()
    const msgs = await got.waitFor(3, 3000)
    expect(msgs.map((m) => m.payload.toString()).sort()).toEqual(['q1-0', 'q1-1', 'q1-2'])
    await expect(got.waitFor(4, 300)).rejects.toThrow()
    // still a member: live traffic (QoS 0 too) reaches it without a new SUBSCRIBE
    await pub.publishAsync('sq/a', 'live', { qos: 0 })
    expect((await got.waitFor(4, 2000))[3]!.payload.toString()).toBe('live')
  })

  it('releases queued messages at no more than 20 per second per connected member', async () => {
    const b = await started()
    const member = await offlineMember(b, 'rate', 'sq/rate')
    const pub = await publisher(b)
    for (let i = 0; i < 21; i++) await pub.publishAsync('sq/rate', String(i), { qos: 1 })
    const { got } = await member.resume()
    const msgs = await got.waitFor(21, 4000)
    const span = msgs[20]!.at - msgs[0]!.at
    expect(span).toBeGreaterThanOrEqual(900) // 20 intervals of 50 ms
    expect(span).toBeLessThan(2500)
  })

  it('a clean-only group queues nothing: its members left when they disconnected [SHARE-MEMBERSHIP-LIFECYCLE]', async () => {
    const b = await started()
    const id = uid('clean')
    const m = await client(b.urls.mqtt!, { clientId: id })
    await m.subscribeAsync('$share/cg/sq/clean', { qos: 1 })
    await m.endAsync()
    expect(b.broker.shared.groupCount).toBe(0)
    const pub = await publisher(b)
    await pub.publishAsync('sq/clean', 'lost', { qos: 1 })
    await pastConnectQuota()
    const again = await client(b.urls.mqtt!, { clientId: id })
    const got = collect(again)
    await expect(got.waitFor(1, 300)).rejects.toThrow()
  })

  it('unsubscribe and a session started afresh end the membership [SHARE-MEMBERSHIP-LIFECYCLE]', async () => {
    const b = await started()
    const a = await offlineMember(b, 'life', 'sq/life')
    const pub = await publisher(b)
    // a new session for the id (Clean Start 1) ends the old one and its memberships
    await pastConnectQuota()
    const fresh = await client(b.urls.mqtt!, { clientId: a.clientId, protocolVersion: 5, clean: true, properties: { sessionExpiryInterval: 300 } })
    expect(b.broker.shared.groupCount).toBe(0)
    await fresh.subscribeAsync('$share/life/sq/life', { qos: 1 })
    await fresh.unsubscribeAsync('$share/life/sq/life')
    await fresh.endAsync()
    await pub.publishAsync('sq/life', 'nobody', { qos: 1 })
    expect(b.broker.shared.groupCount).toBe(0)
  })

  it('the session expiry ends an offline membership', async () => {
    const b = await started()
    await offlineMember(b, 'exp', 'sq/exp', { protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 1 } })
    expect(b.broker.shared.groupCount).toBe(1)
    await sleep(1300)
    expect(b.broker.shared.groupCount).toBe(0)
  })

  it('a full queue drops new messages and keeps the queued ones [SHARE-QUEUE-LIMIT-DROP-NEW]', async () => {
    const b = await started({ overrides: { sharedSubscriptions: { queueMaximumPerGroup: 3 } } })
    const member = await offlineMember(b, 'full', 'sq/full')
    const pub = await publisher(b)
    for (let i = 0; i < 5; i++) await pub.publishAsync('sq/full', `m${i}`, { qos: 1 })
    const { got } = await member.resume()
    const msgs = await got.waitFor(3, 2000)
    await expect(got.waitFor(4, 300)).rejects.toThrow()
    expect(msgs.map((m) => m.payload.toString()).sort()).toEqual(['m0', 'm1', 'm2'])
  })

  it('a queued message expires with its Message Expiry Interval and is delivered with what is left of it [SHARE-QUEUE-MEI]', async () => {
    const b = await started()
    const member = await offlineMember(b, 'mei', 'sq/mei')
    const pub = await publisher(b)
    await pub.publishAsync('sq/mei', 'short', { qos: 1, properties: { messageExpiryInterval: 1 } })
    await pub.publishAsync('sq/mei', 'long', { qos: 1, properties: { messageExpiryInterval: 30 } })
    await sleep(1100)
    const { got } = await member.resume()
    const [m] = await got.waitFor(1, 2000)
    await expect(got.waitFor(2, 300)).rejects.toThrow()
    expect(m!.payload.toString()).toBe('long')
    expect(m!.packet.properties?.messageExpiryInterval).toBeGreaterThanOrEqual(27)
    expect(m!.packet.properties?.messageExpiryInterval).toBeLessThanOrEqual(29)
  })

  it('with two members the group releases at 40 per second, handing messages to the members in turn', async () => {
    const b = await started()
    const a = await offlineMember(b, 'pair', 'sq/pair')
    const c = await offlineMember(b, 'pair', 'sq/pair')
    const pub = await publisher(b)
    for (let i = 0; i < 40; i++) await pub.publishAsync('sq/pair', String(i), { qos: 1 })
    const [ra, rc] = await Promise.all([a.resume(), c.resume()])
    await Promise.all([ra.got.waitFor(17, 4000), rc.got.waitFor(17, 4000)])
    const deadline = Date.now() + 2000
    while (ra.got.messages.length + rc.got.messages.length < 40 && Date.now() < deadline) await sleep(20)
    const [ma, mc] = [ra.got.messages, rc.got.messages]
    // In turn: each member gets about half of the 40 (one that resumes first takes the first ones alone).
    expect(ma.length + mc.length).toBe(40)
    expect(Math.min(ma.length, mc.length)).toBeGreaterThanOrEqual(17)
    // Each at ~20 per second: 16 intervals of 50 ms, less one made up when a timer runs late.
    for (const msgs of [ma, mc]) expect(msgs[16]!.at - msgs[0]!.at).toBeGreaterThanOrEqual(700)
    const all = [...ma, ...mc].map((m) => m.at).sort((x, y) => x - y)
    // The group at ~40 per second: the 40 take about 1 s (not less), where 20 per second for the group takes 2 s.
    expect(all[39]! - all[0]!).toBeGreaterThanOrEqual(850)
    expect(all[39]! - all[0]!).toBeLessThan(1900)
  })

  it('a member joining an offline group takes its queue', async () => {
    const b = await started()
    await offlineMember(b, 'join', 'sq/join')
    const pub = await publisher(b)
    await pub.publishAsync('sq/join', 'waiting', { qos: 1 })
    const newcomer = await client(b.urls.mqtt!)
    const got = collect(newcomer)
    await newcomer.subscribeAsync('$share/join/sq/join', { qos: 1 })
    expect((await got.waitFor(1, 2000))[0]!.payload.toString()).toBe('waiting')
  })

  it('a resumed session with only shared subscriptions keeps them (CONNACK as aedes reports it)', async () => {
    const b = await started()
    const member = await offlineMember(b, 'sp', 'sq/sp')
    const { c } = await member.resume()
    expect(connackOf(c).returnCode ?? 0).toBe(0)
    expect(b.broker.shared.groupCount).toBe(1)
  })
})

describe('shared subscription deviations', () => {
  it('shared-single-group: a message matching two groups reaches only one', async () => {
    const b = await started({ deviations: ['shared-single-group'] })
    const g1 = await client(b.urls.mqtt!)
    const g2 = await client(b.urls.mqtt!)
    const got1 = collect(g1)
    const got2 = collect(g2)
    await g1.subscribeAsync('$share/one/sd/x', { qos: 1 })
    await g2.subscribeAsync('$share/two/sd/x', { qos: 1 })
    const pub = await publisher(b)
    await pub.publishAsync('sd/x', 'once', { qos: 1 })
    await sleep(300)
    expect(got1.messages.length + got2.messages.length).toBe(1)
  })

  it('shared-v5-only refuses a 3.1.1 shared subscription; share-prefix-counted refuses 7 slashes after the name', async () => {
    const b = await started({ deviations: ['shared-v5-only', 'share-prefix-counted'] })
    const { c: old } = await rawConnected(b.urls.mqtt!, 4)
    old.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: '$share/g/sd/y', qos: 1 }] })
    expect((await old.next((p) => p.cmd === 'suback', 2000)).granted).toEqual([0x80])
    const { c } = await rawConnected(b.urls.mqtt!, 5)
    c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: '$share/g/a/b/c/d/e/f/g/h', qos: 1 }, { topic: '$share/g/a/b', qos: 1 }] })
    expect((await c.next((p) => p.cmd === 'suback', 2000)).granted).toEqual([0x8f, 1])
  })

  it('shared-qos0-queued queues QoS 0; shared-queue-expiry-ignored delivers an expired queued message', async () => {
    const b = await started({ deviations: ['shared-qos0-queued', 'shared-queue-expiry-ignored'] })
    const member = await offlineMember(b, 'dq', 'sd/q')
    const pub = await publisher(b)
    await pub.publishAsync('sd/q', 'q0', { qos: 0 })
    await pub.publishAsync('sd/q', 'expired', { qos: 1, properties: { messageExpiryInterval: 1 } })
    await sleep(1100)
    const { got } = await member.resume()
    expect((await got.waitFor(2, 2000)).map((m) => m.payload.toString()).sort()).toEqual(['expired', 'q0'])
  })

  it('shared-clean-member-kept: a clean member that reconnects is still a member', async () => {
    const b = await started({ deviations: ['shared-clean-member-kept'] })
    const id = uid('clean')
    const m = await client(b.urls.mqtt!, { clientId: id })
    await m.subscribeAsync('$share/kept/sd/k', { qos: 1 })
    await m.endAsync()
    await pastConnectQuota()
    const again = await client(b.urls.mqtt!, { clientId: id })
    const got = collect(again)
    const pub = await publisher(b)
    await pub.publishAsync('sd/k', 'still-member', { qos: 1 })
    await got.waitFor(1, 2000)
  })
})
