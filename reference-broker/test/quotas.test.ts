import { describe, expect, it } from 'vitest'
import { broker, client, collect, rawConnected, uid } from './helpers.js'

describe('topic quotas [TOPIC-MAX-256] [TOPIC-MAX-7-SLASHES] [TOPIC-DOLLAR-RESERVED]', () => {
  const bad: [string, string][] = [
    ['257 bytes', 't'.repeat(257)],
    ['8 slashes', 'a/b/c/d/e/f/g/h/i'],
    ['a reserved $ topic', '$custom/x'],
    ['a wildcard', 'a/+'],
  ]
  it.each(bad)('MQTT 5 publish to a topic with %s gets DISCONNECT 0x90', async (_what, topic) => {
    const b = await broker()
    const { c } = await rawConnected(b.urls.mqtt!, 5)
    c.send({ cmd: 'publish', topic, payload: Buffer.from('x'), qos: 0 })
    const closed = await c.waitClosed(3000)
    expect(closed.disconnect?.reasonCode).toBe(0x90)
  })

  it.each(bad)('MQTT 3.1.1 publish to a topic with %s closes the connection', async (_what, topic) => {
    const b = await broker()
    const { c } = await rawConnected(b.urls.mqtt!, 4)
    c.send({ cmd: 'publish', topic, payload: Buffer.from('x'), qos: 0 })
    const closed = await c.waitClosed(3000)
    expect(closed.disconnect).toBeUndefined()
  })

  it('accepts 256 bytes, 7 slashes, and the Basic Ingest prefix is not counted', async () => {
    const b = await broker()
    const sub = await client(b.urls.mqtt!)
    const got = collect(sub)
    const long = 'a/b/c/d/e/f/g/' + 'h'.repeat(256 - 14)
    await sub.subscribeAsync(long, { qos: 1 })
    const { c } = await rawConnected(b.urls.mqtt!, 5)
    c.send({ cmd: 'publish', topic: long, payload: Buffer.from('ok'), qos: 1, messageId: 1 })
    c.send({ cmd: 'publish', topic: '$aws/rules/myrule/a/b/c/d/e/f/g/h', payload: Buffer.from('ingest'), qos: 1, messageId: 2 })
    await c.next((p) => p.cmd === 'puback' && p.messageId === 2, 2000)
    expect((await got.waitFor(1))[0]!.topic).toBe(long)
    expect(c.isClosed).toBe(false)
  })
})

describe('subscription quotas [SUB-MAX-8-PER-SUBSCRIBE] [SUB-MAX-50-PER-CONNECTION]', () => {
  it.each([[5, 0x97], [4, 0x80]] as const)('MQTT %i: a SUBSCRIBE with 9 filters is refused filter by filter', async (version, code) => {
    const b = await broker()
    const { c } = await rawConnected(b.urls.mqtt!, version)
    c.send({ cmd: 'subscribe', messageId: 4, subscriptions: Array.from({ length: 9 }, (_, i) => ({ topic: `f/${i}`, qos: 1 })) })
    const ack = await c.next((p) => p.cmd === 'suback', 2000)
    expect(ack.granted).toEqual(Array(9).fill(code))
    c.send({ cmd: 'subscribe', messageId: 5, subscriptions: Array.from({ length: 8 }, (_, i) => ({ topic: `f/${i}`, qos: 1 })) })
    expect((await c.next((p) => p.cmd === 'suback', 2000)).granted).toEqual(Array(8).fill(1))
  })

  it('the 51st subscription on a connection is refused with 0x97; re-subscribing an existing filter is fine', async () => {
    const b = await broker()
    const { c } = await rawConnected(b.urls.mqtt!, 5)
    for (let batch = 0; batch < 7; batch++) {
      const topics = Array.from({ length: 8 }, (_, i) => batch * 8 + i).filter((n) => n < 50)
      c.send({ cmd: 'subscribe', messageId: batch + 1, subscriptions: topics.map((n) => ({ topic: `s/${n}`, qos: 0 })) })
      const ack = await c.next((p) => p.cmd === 'suback', 2000)
      expect(ack.granted).toEqual(topics.map(() => 0))
    }
    c.send({ cmd: 'subscribe', messageId: 20, subscriptions: [{ topic: 's/0', qos: 1 }, { topic: 's/50', qos: 0 }] })
    expect((await c.next((p) => p.cmd === 'suback', 2000)).granted).toEqual([1, 0x97])
    c.send({ cmd: 'unsubscribe', messageId: 21, unsubscriptions: ['s/1'] })
    await c.next((p) => p.cmd === 'unsuback', 2000)
    c.send({ cmd: 'subscribe', messageId: 22, subscriptions: [{ topic: 's/50', qos: 0 }] })
    expect((await c.next((p) => p.cmd === 'suback', 2000)).granted).toEqual([0])
  })

  it('a resumed persistent session brings its subscriptions into the count of the new connection', async () => {
    const b = await broker({ overrides: { mqtt: { connectsPerSecondPerClientId: 0 } } })
    const clientId = uid('resume')
    const persistent = { clientId, clean: false, properties: { sessionExpiryInterval: 300 } }
    const first = await rawConnected(b.urls.mqtt!, 5, persistent)
    for (let batch = 0; batch < 7; batch++) {
      const topics = Array.from({ length: 8 }, (_, i) => batch * 8 + i).filter((n) => n < 50)
      first.c.send({ cmd: 'subscribe', messageId: batch + 1, subscriptions: topics.map((n) => ({ topic: `r/${n}`, qos: 0 })) })
      await first.c.next((p) => p.cmd === 'suback', 2000)
    }
    first.c.send({ cmd: 'disconnect', reasonCode: 0 })
    await first.c.waitClosed(3000)
    const again = await rawConnected(b.urls.mqtt!, 5, persistent)
    expect(again.connack.sessionPresent).toBe(true)
    again.c.send({ cmd: 'subscribe', messageId: 30, subscriptions: [{ topic: 'r/3', qos: 1 }, { topic: 'r/50', qos: 0 }] })
    expect((await again.c.next((p) => p.cmd === 'suback', 2000)).granted).toEqual([1, 0x97])
  })

  it('an invalid filter gets 0x8F while its neighbours are granted', async () => {
    const b = await broker()
    const { c } = await rawConnected(b.urls.mqtt!, 5)
    c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'ok/1', qos: 1 }, { topic: 'a/b#', qos: 1 }, { topic: '$share/g+/t', qos: 1 }, { topic: 'ok/2', qos: 0 }] })
    expect((await c.next((p) => p.cmd === 'suback', 2000)).granted).toEqual([1, 0x8f, 0x8f, 0])
  })

  it('a Subscription Identifier gets DISCONNECT 0xA1 [SUB-ID-UNSUPPORTED]', async () => {
    const b = await broker()
    const { c } = await rawConnected(b.urls.mqtt!, 5)
    c.send({ cmd: 'subscribe', messageId: 1, properties: { subscriptionIdentifier: 7 }, subscriptions: [{ topic: 'x', qos: 1 }] })
    const closed = await c.waitClosed(3000)
    expect(closed.disconnect?.reasonCode).toBe(0xa1)
  })
})

describe('payload and rate quotas [LIM-PAYLOAD-128KB] [LIM-PUB-RATE-100]', () => {
  it('delivers a 131072-byte payload and refuses 131073 bytes (MQTT 5: DISCONNECT 0x97)', async () => {
    const b = await broker()
    const sub = await client(b.urls.mqtt!)
    const got = collect(sub)
    await sub.subscribeAsync('big/+', { qos: 1 })
    const { c } = await rawConnected(b.urls.mqtt!, 5)
    c.send({ cmd: 'publish', topic: 'big/ok', payload: Buffer.alloc(131072, 1), qos: 1, messageId: 1 })
    await c.next((p) => p.cmd === 'puback', 3000)
    expect((await got.waitFor(1))[0]!.payload.length).toBe(131072)
    c.send({ cmd: 'publish', topic: 'big/no', payload: Buffer.alloc(131073, 1), qos: 1, messageId: 2 })
    const closed = await c.waitClosed(3000)
    expect(closed.disconnect?.reasonCode).toBe(0x97)
  })

  it('MQTT 3.1.1: a payload over 128 KiB closes the connection', async () => {
    const b = await broker()
    const { c } = await rawConnected(b.urls.mqtt!, 4)
    c.send({ cmd: 'publish', topic: 'big/no', payload: Buffer.alloc(131073, 1), qos: 0 })
    const closed = await c.waitClosed(3000)
    expect(closed.disconnect).toBeUndefined()
  })

  it('discards publishes beyond 100 per second on one connection; MQTT 5 QoS 1 gets PUBACK 0x97', async () => {
    const b = await broker()
    const sub = await client(b.urls.mqtt!)
    const got = collect(sub)
    await sub.subscribeAsync('rate/t', { qos: 0 })
    const { c } = await rawConnected(b.urls.mqtt!, 5)
    const acks = []
    // In batches of 50, each after the PUBACKs of the one before: never past Receive Maximum 100.
    for (let batch = 0; batch < 3; batch++) {
      for (let i = batch * 50 + 1; i <= batch * 50 + 50; i++) c.send({ cmd: 'publish', topic: 'rate/t', payload: Buffer.from(String(i)), qos: 1, messageId: i })
      for (let i = 0; i < 50; i++) acks.push(await c.next((p) => p.cmd === 'puback', 3000))
    }
    const refused = acks.filter((a) => a.reasonCode === 0x97).length
    expect(refused).toBeGreaterThanOrEqual(40)
    expect(refused).toBeLessThanOrEqual(55)
    await got.waitFor(150 - refused, 3000)
    await expect(got.waitFor(150 - refused + 1, 300)).rejects.toThrow()
  })
})
