import { describe, expect, it } from 'vitest'
import { broker, client, collect, rawConnected, uid } from './helpers.js'

describe('MQTT 5 properties [M5-USER-PROPERTIES] [M5-REQUEST-RESPONSE] [M5-PAYLOAD-FORMAT-CONTENT-TYPE] [M5-CROSS-VERSION]', () => {
  it('forwards user properties in order, content type, payload format, response topic and correlation data', async () => {
    const b = await broker()
    const { c: sub } = await rawConnected(b.urls.mqtt!, 5)
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'm5/req', qos: 1 }] })
    await sub.next((p) => p.cmd === 'suback', 2000)
    const { c: pub } = await rawConnected(b.urls.mqtt!, 5)
    pub.send({
      cmd: 'publish', topic: 'm5/req', payload: Buffer.from('{"a":1}'), qos: 1, messageId: 2,
      properties: { userProperties: { b: ['2', '1'], a: 'x' }, contentType: 'application/json', payloadFormatIndicator: true, responseTopic: 'm5/resp', correlationData: Buffer.from([1, 2, 3]) },
    })
    const p = await sub.next((x) => x.cmd === 'publish', 2000)
    expect(p.properties.userProperties).toEqual({ b: ['2', '1'], a: 'x' })
    expect(p.properties.contentType).toBe('application/json')
    expect(p.properties.payloadFormatIndicator).toBe(true)
    expect(p.properties.responseTopic).toBe('m5/resp')
    expect([...p.properties.correlationData]).toEqual([1, 2, 3])
  })

  it('a 3.1.1 subscriber gets the message without the properties', async () => {
    const b = await broker()
    const old = await client(b.urls.mqtt!, { protocolVersion: 4 })
    const got = collect(old)
    await old.subscribeAsync('m5/x', { qos: 1 })
    const pub = await client(b.urls.mqtt!, { protocolVersion: 5 })
    await pub.publishAsync('m5/x', 'hi', { qos: 1, properties: { userProperties: { k: 'v' }, contentType: 'text/plain' } })
    const [m] = await got.waitFor(1)
    expect(m!.payload.toString()).toBe('hi')
    expect(m!.packet.properties).toBeUndefined()
  })

  it('refuses user properties over 8 KB with DISCONNECT 0x97', async () => {
    const b = await broker()
    const { c } = await rawConnected(b.urls.mqtt!, 5)
    c.send({ cmd: 'publish', topic: 'm5/up', payload: Buffer.from('x'), qos: 0, properties: { userProperties: { big: 'v'.repeat(8200) } } })
    expect((await c.waitClosed(3000)).disconnect?.reasonCode).toBe(0x97)
  })

  it('refuses a Response Topic with wildcards', async () => {
    const b = await broker()
    const { c } = await rawConnected(b.urls.mqtt!, 5)
    c.send({ cmd: 'publish', topic: 'm5/rt', payload: Buffer.from('x'), qos: 0, properties: { responseTopic: 'replies/+' } })
    expect((await c.waitClosed(3000)).disconnect?.reasonCode).toBe(0x82)
  })
})

describe('problem information on a failing SUBACK [M5-REQUEST-PROBLEM-INFO] [MQTT5-3.1.2-29] [MQTT5-3.9.2-1]', () => {
  const subscribe = { cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'pi/ok', qos: 1 }, { topic: '$share/g+/pi', qos: 1 }] } as const

  it('names the refused filter and its code when the client allows problem information (the default)', async () => {
    const b = await broker()
    const { c } = await rawConnected(b.urls.mqtt!, 5)
    c.send(subscribe)
    const suback = await c.next((p) => p.cmd === 'suback', 2000)
    expect(suback.granted).toEqual([1, 0x8f])
    expect(suback.properties?.reasonString).toBe('SUBACK: refused filter 2 0x8f')
  })

  it('leaves it out with Request Problem Information 0, and for a client whose Maximum Packet Size it would exceed', async () => {
    const b = await broker()
    const { c: off } = await rawConnected(b.urls.mqtt!, 5, { properties: { requestProblemInformation: false } })
    off.send(subscribe)
    const quiet = await off.next((p) => p.cmd === 'suback', 2000)
    expect(quiet.granted).toEqual([1, 0x8f])
    expect(quiet.properties?.reasonString).toBeUndefined()
    // The SUBACK with its Reason String is 39 bytes; without it, 7.
    const { c: small } = await rawConnected(b.urls.mqtt!, 5, { properties: { maximumPacketSize: 38 } })
    small.send(subscribe)
    const fitted = await small.next((p) => p.cmd === 'suback', 2000)
    expect(fitted.granted).toEqual([1, 0x8f])
    expect(fitted.properties?.reasonString).toBeUndefined()
    const { c: room } = await rawConnected(b.urls.mqtt!, 5, { properties: { maximumPacketSize: 39 } })
    room.send(subscribe)
    expect((await room.next((p) => p.cmd === 'suback', 2000)).properties?.reasonString).toBe('SUBACK: refused filter 2 0x8f')
  })

  it('a 3.1.1 SUBACK has no properties at all', async () => {
    const b = await broker()
    const { c } = await rawConnected(b.urls.mqtt!, 4)
    c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'pi/ok', qos: 1 }, { topic: 'a/#/b', qos: 1 }] })
    const suback = await c.next((p) => p.cmd === 'suback', 2000)
    expect(suback.granted).toEqual([1, 0x80])
    expect(suback.properties).toBeUndefined()
  })
})

describe('topic matching [TOPIC-HASH-NO-PARENT] [TOPIC-CASE-SENSITIVE]', () => {
  it('sensor/# does not match sensor; topics are case sensitive', async () => {
    const b = await broker()
    const sub = await client(b.urls.mqtt!)
    const got = collect(sub)
    await sub.subscribeAsync(['sensor/#', 'Case/x'], { qos: 1 })
    const pub = await client(b.urls.mqtt!)
    for (const t of ['sensor', 'case/x', 'sensor/x', 'sensor/', 'Case/x']) await pub.publishAsync(t, t, { qos: 1 })
    await got.waitFor(3)
    await expect(got.waitFor(4, 300)).rejects.toThrow()
    expect(got.messages.map((m) => m.topic).sort()).toEqual(['Case/x', 'sensor/', 'sensor/x'])
  })

  it('the mqtt-5 profile lets a/# match a (standard MQTT)', async () => {
    const b = await broker({ profile: 'mqtt-5' })
    const sub = await client(b.urls.mqtt!)
    const got = collect(sub)
    await sub.subscribeAsync('sensor/#', { qos: 1 })
    const pub = await client(b.urls.mqtt!)
    await pub.publishAsync('sensor', 'p', { qos: 1 })
    await got.waitFor(1)
  })
})

describe('shared subscriptions [SHARE-*]', () => {
  it('delivers each message to exactly one member of each group, across 3.1.1 and 5 members', async () => {
    const b = await broker()
    const group = `g${uid()}`.replace(/[^a-z0-9]/gi, '')
    const m1 = await client(b.urls.mqtt!, { protocolVersion: 4 })
    const m2 = await client(b.urls.mqtt!, { protocolVersion: 5 })
    const other = await client(b.urls.mqtt!, { protocolVersion: 5 })
    const g1 = collect(m1)
    const g2 = collect(m2)
    const go = collect(other)
    await m1.subscribeAsync(`$share/${group}/sports/#`, { qos: 1 })
    await m2.subscribeAsync(`$share/${group}/sports/#`, { qos: 1 })
    await other.subscribeAsync(`$share/${group}x/sports/tennis`, { qos: 1 })
    const pub = await client(b.urls.mqtt!)
    for (let i = 0; i < 40; i++) await pub.publishAsync('sports/tennis', String(i), { qos: 1 })
    await go.waitFor(40)
    const deadline = Date.now() + 3000
    while (g1.messages.length + g2.messages.length < 40 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    const seen = [...g1.messages, ...g2.messages].map((m) => m.payload.toString()).sort((a, b) => Number(a) - Number(b))
    expect(seen).toEqual(Array.from({ length: 40 }, (_, i) => String(i)))
    expect(g1.messages.length).toBeGreaterThan(0)
    expect(g2.messages.length).toBeGreaterThan(0)
  })

  it('a member that unsubscribes stops receiving; the group keeps working', async () => {
    const b = await broker()
    const m1 = await client(b.urls.mqtt!)
    const m2 = await client(b.urls.mqtt!)
    const g2 = collect(m2)
    await m1.subscribeAsync('$share/u1/x/y', { qos: 0 })
    await m2.subscribeAsync('$share/u1/x/y', { qos: 0 })
    await m1.unsubscribeAsync('$share/u1/x/y')
    const pub = await client(b.urls.mqtt!)
    for (let i = 0; i < 10; i++) await pub.publishAsync('x/y', String(i), { qos: 1 })
    await g2.waitFor(10)
  })
})
