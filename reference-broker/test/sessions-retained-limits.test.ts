import { describe, expect, it } from 'vitest'
import { broker, client, collect, connackOf, rawConnected, uid } from './helpers.js'
import { http } from './http-helpers.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
/** Waits past the 1 CONNECT/s per client id quota before reconnecting with the same id. */
const pastConnectQuota = () => sleep(1050)

describe('retained message limit [RET-COUNT-LIMIT-THROTTLE]', () => {
  it('at retained.maxCount a retained publish with a payload is throttled (MQTT 5 PUBACK 0x97, 3.1.1 plain PUBACK, HTTP 429); deletes pass', async () => {
    const b = await broker({ overrides: { retained: { maxCount: 2 } } })
    const p = uid('lim')
    const watcher = await client(b.urls.mqtt!, { protocolVersion: 5 })
    const live = collect(watcher)
    await watcher.subscribeAsync(`${p}/c`, { qos: 1 })
    const { c: v5 } = await rawConnected(b.urls.mqtt!, 5)
    const publish = async (c: typeof v5, id: number, topic: string, payload: string) => {
      c.send({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, messageId: id, retain: true, dup: false })
      return c.next((x) => x.cmd === 'puback' && x.messageId === id, 2000)
    }
    expect((await publish(v5, 1, `${p}/a`, 'a')).reasonCode ?? 0).toBe(0)
    expect((await publish(v5, 2, `${p}/b`, 'b')).reasonCode ?? 0).toBe(0)
    // Full: a third retained message is refused, neither stored nor delivered.
    expect((await publish(v5, 3, `${p}/c`, 'c')).reasonCode).toBe(0x97)
    // Replacing an existing one is refused too (the documented rule counts every publish with a payload).
    expect((await publish(v5, 4, `${p}/a`, 'a2')).reasonCode).toBe(0x97)
    const { c: v4 } = await rawConnected(b.urls.mqtt!, 4)
    const ack = await publish(v4, 5, `${p}/c`, 'c311')
    expect(ack.reasonCode ?? 0).toBe(0)
    expect((await http(b.urls.http!, 'POST', `/topics/${p}%2Fc?retain=true`, { body: 'http' })).status).toBe(429)
    await expect(live.waitFor(1, 300)).rejects.toThrow(/got 0/)
    expect((await http(b.urls.http!, 'GET', `/retainedMessage/${p}%2Fc`)).status).toBe(404)
    // A delete always passes, and frees a place.
    expect((await publish(v5, 6, `${p}/a`, '')).reasonCode ?? 0).toBe(0)
    expect((await http(b.urls.http!, 'POST', `/topics/${p}%2Fb?retain=true`)).status).toBe(200)
    expect((await publish(v5, 7, `${p}/c`, 'c')).reasonCode ?? 0).toBe(0)
    expect((await live.waitFor(1))[0]!.payload.toString()).toBe('c')
    expect((await http(b.urls.http!, 'GET', `/retainedMessage/${p}%2Fc`)).status).toBe(200)
  })

  it('no limit by default (maxCount 0); the retained-limit-ignored deviation never throttles', async () => {
    for (const options of [{}, { overrides: { retained: { maxCount: 1 } }, deviations: ['retained-limit-ignored'] }]) {
      const b = await broker(options)
      const { c } = await rawConnected(b.urls.mqtt!, 5)
      for (let i = 1; i <= 3; i++) {
        c.send({ cmd: 'publish', topic: `free/${i}`, payload: Buffer.from('x'), qos: 1, messageId: i, retain: true, dup: false })
        expect((await c.next((x) => x.cmd === 'puback' && x.messageId === i, 2000)).reasonCode ?? 0).toBe(0)
      }
    }
  })
})

describe('session fixes', () => {
  it.each([4, 5] as const)('MQTT %i: a stored session without subscriptions is resumed with Session Present 1 [PS-CREATE-311] [PS-CREATE-V5]', async (version) => {
    const b = await broker()
    const id = uid()
    const opts = { clientId: id, protocolVersion: version, clean: false, ...(version === 5 ? { properties: { sessionExpiryInterval: 300 } } : {}) }
    const first = await client(b.urls.mqtt!, opts)
    expect(connackOf(first).sessionPresent).toBe(false)
    await first.endAsync()
    await pastConnectQuota()
    expect(connackOf(await client(b.urls.mqtt!, opts)).sessionPresent).toBe(true)
  })

  it('a DISCONNECT cannot raise a Session Expiry Interval of 0 [PS-SEI-ON-DISCONNECT]', async () => {
    const b = await broker()
    const id = uid()
    const { c } = await rawConnected(b.urls.mqtt!, 5, { clientId: id, clean: false, properties: { sessionExpiryInterval: 0 } })
    c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'sei/raise', qos: 1 }] })
    await c.next((p) => p.cmd === 'suback', 2000)
    c.send({ cmd: 'disconnect', reasonCode: 0, properties: { sessionExpiryInterval: 60 } })
    await c.waitClosed(2000)
    await pastConnectQuota()
    const again = await client(b.urls.mqtt!, { clientId: id, protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 300 } })
    expect(connackOf(again).sessionPresent).toBe(false)
  })

  it.each([10, 0])('a queued message with under 1 s left is delivered with Message Expiry 0 (replay rate %i/s) [MEI-ZERO-ROUNDING]', async (replayRatePerSecond) => {
    const b = await broker({ overrides: { sessions: { replayRatePerSecond } } })
    const id = uid()
    const opts = { clientId: id, protocolVersion: 5 as const, clean: false, properties: { sessionExpiryInterval: 300 } }
    const sub = await client(b.urls.mqtt!, opts)
    await sub.subscribeAsync('mei/zero', { qos: 1 })
    await sub.endAsync()
    const pub = await client(b.urls.mqtt!, { protocolVersion: 5 })
    await pub.publishAsync('mei/zero', 'short', { qos: 1, properties: { messageExpiryInterval: 2 } })
    await pub.publishAsync('mei/zero', 'long', { qos: 1, properties: { messageExpiryInterval: 10 } })
    await sleep(1200)
    const got = collect(await client(b.urls.mqtt!, opts))
    const msgs = await got.waitFor(2)
    const mei = Object.fromEntries(msgs.map((m) => [m.payload.toString(), m.packet.properties?.messageExpiryInterval]))
    expect(mei.short).toBe(0)
    expect(mei.long).toBe(8)
  })
})
