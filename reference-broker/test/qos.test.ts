import { describe, expect, it } from 'vitest'
import { broker, client, collect, raw, rawConnected, uid, until } from './helpers.js'

describe('QoS 0 and 1 [QOS-LEVELS-0-1]', () => {
  it.each([[4, 0], [4, 1], [5, 0], [5, 1]] as const)('MQTT %i QoS %i round trip', async (version, qos) => {
    const b = await broker()
    const sub = await client(b.urls.mqtt!, { protocolVersion: version })
    const got = collect(sub)
    await sub.subscribeAsync('q/rt', { qos: 1 })
    const pub = await client(b.urls.mqtt!, { protocolVersion: version })
    await pub.publishAsync('q/rt', `qos${qos}`, { qos })
    const [m] = await got.waitFor(1)
    expect(m!.packet.qos).toBe(qos)
    expect(m!.payload.toString()).toBe(`qos${qos}`)
  })

  it('a QoS 1 publish with no subscriber is acknowledged with 0x00 [M5-PUBACK-NO-MATCHING-SUBSCRIBERS]', async () => {
    const b = await broker()
    const { c } = await rawConnected(b.urls.mqtt!, 5)
    c.send({ cmd: 'publish', topic: 'nobody/here', payload: Buffer.from('x'), qos: 1, messageId: 11 })
    const ack = await c.next((p) => p.cmd === 'puback', 2000, 'PUBACK')
    expect(ack.reasonCode ?? 0).toBe(0)
  })
})

describe('QoS 2 [QOS2-NO-ACK] [QOS2-V5-MAXIMUM-QOS]', () => {
  it('3.1.1 PUBLISH QoS 2: no PUBREC, connection closed', async () => {
    const b = await broker()
    const { c } = await rawConnected(b.urls.mqtt!, 4)
    c.send({ cmd: 'publish', topic: 'q/2', payload: Buffer.from('x'), qos: 2, messageId: 5 })
    await c.waitClosed(3000)
    expect(c.received.some((p) => p.cmd === 'pubrec')).toBe(false)
  })

  it('3.1.1 SUBSCRIBE QoS 2: no SUBACK, connection closed', async () => {
    const b = await broker()
    const { c } = await rawConnected(b.urls.mqtt!, 4)
    c.send({ cmd: 'subscribe', messageId: 3, subscriptions: [{ topic: 'q/2', qos: 2 }] })
    await c.waitClosed(3000)
    expect(c.received.some((p) => p.cmd === 'suback')).toBe(false)
  })

  it('MQTT 5 PUBLISH QoS 2: DISCONNECT 0x9B', async () => {
    const b = await broker()
    const { c } = await rawConnected(b.urls.mqtt!, 5)
    c.send({ cmd: 'publish', topic: 'q/2', payload: Buffer.from('x'), qos: 2, messageId: 5 })
    const closed = await c.waitClosed(3000)
    expect(closed.disconnect?.reasonCode).toBe(0x9b)
  })

  it('MQTT 5 SUBSCRIBE QoS 2 is granted QoS 1 (profile reading of C13)', async () => {
    const b = await broker()
    const { c } = await rawConnected(b.urls.mqtt!, 5)
    c.send({ cmd: 'subscribe', messageId: 3, subscriptions: [{ topic: 'q/2', qos: 2 }, { topic: 'q/0', qos: 0 }] })
    const ack = await c.next((p) => p.cmd === 'suback', 2000, 'SUBACK')
    expect(ack.granted).toEqual([1, 0])
  })

  it('the other reading of C13 is a profile choice: SUBSCRIBE QoS 2 closes with 0x9B', async () => {
    const b = await broker({ overrides: { mqtt: { qos2: { mqtt5Subscribe: 'close' } } } })
    const { c } = await rawConnected(b.urls.mqtt!, 5)
    c.send({ cmd: 'subscribe', messageId: 3, subscriptions: [{ topic: 'q/2', qos: 2 }] })
    const closed = await c.waitClosed(3000)
    expect(closed.disconnect?.reasonCode).toBe(0x9b)
  })

  it('a Will with QoS 2 is refused: MQTT 5 CONNACK 0x9B, 3.1.1 closed without CONNACK [LWT-QOS2-REFUSED]', async () => {
    const b = await broker()
    const v5 = await raw(b.urls.mqtt!, 5)
    const connack = await v5.connect({ clientId: uid(), will: { topic: 'w/t', payload: Buffer.from('x'), qos: 2, retain: false } })
    expect(connack.reasonCode).toBe(0x9b)
    const v4 = await raw(b.urls.mqtt!, 4)
    v4.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 60, clientId: uid(), will: { topic: 'w/t', payload: Buffer.from('x'), qos: 2, retain: false } })
    await v4.waitClosed(3000)
    expect(v4.received).toEqual([])
  })

  it('an unsolicited PUBREL closes the connection [QOS-NO-PUBREC-AUTH]', async () => {
    const b = await broker()
    const { c } = await rawConnected(b.urls.mqtt!, 5)
    c.send({ cmd: 'pubrel', messageId: 9 })
    const closed = await c.waitClosed(3000)
    expect(closed.disconnect?.reasonCode).toBe(0x82)
  })

  it('the mqtt-5 profile supports QoS 2 end to end', async () => {
    const b = await broker({ profile: 'mqtt-5' })
    const sub = await client(b.urls.mqtt!, { protocolVersion: 5 })
    const got = collect(sub)
    await sub.subscribeAsync('q/2', { qos: 2 })
    const pub = await client(b.urls.mqtt!, { protocolVersion: 5 })
    await pub.publishAsync('q/2', 'two', { qos: 2 })
    const [m] = await got.waitFor(1)
    expect(m!.packet.qos).toBe(2)
  })
})

describe('a sent QoS 2 PUBLISH outlives its Message Expiry [MQTT5-4.3.3-7] (aedes defect 16)', () => {
  it('is re-sent on resume, DUP 1 and interval 0, while an unacknowledged QoS 1 message with the same expiry is dropped [MEI-UNACKED-QOS1]', async () => {
    const b = await broker({ profile: 'mqtt-5' })
    const clientId = uid('q2exp')
    const session = { clientId, clean: false, properties: { sessionExpiryInterval: 300 } }
    const { c: sub } = await rawConnected(b.urls.mqtt!, 5, session)
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'q2/exp', qos: 2 }] })
    await sub.next((p) => p.cmd === 'suback', 2000, 'SUBACK')
    const pub = await client(b.urls.mqtt!, { protocolVersion: 5 })
    await pub.publishAsync('q2/exp', 'two', { qos: 2, properties: { messageExpiryInterval: 1 } })
    await pub.publishAsync('q2/exp', 'one', { qos: 1, properties: { messageExpiryInterval: 1 } })
    const sentAt = Date.now()
    const first = await sub.next((p) => p.cmd === 'publish' && p.qos === 2, 2000, 'the QoS 2 PUBLISH')
    await sub.next((p) => p.cmd === 'publish' && p.qos === 1, 2000, 'the QoS 1 PUBLISH')
    sub.destroy()
    await until(() => Date.now() > sentAt + 1500, 3000, 'both messages to expire')
    const { c: again, connack } = await rawConnected(b.urls.mqtt!, 5, session)
    expect(connack.sessionPresent).toBe(true)
    const resent = await again.next((p) => p.cmd === 'publish', 2000, 'the re-sent QoS 2 PUBLISH')
    expect(resent).toMatchObject({ qos: 2, dup: true, messageId: first.messageId, properties: { messageExpiryInterval: 0 } })
    expect(String(resent.payload)).toBe('two')
    expect(await again.nothingWithin((p) => p.cmd === 'publish', 300)).toBeNull()
    again.send({ cmd: 'pubrec', messageId: first.messageId! })
    await again.next((p) => p.cmd === 'pubrel' && p.messageId === first.messageId, 2000, 'PUBREL')
  })
})
