import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { broker, client, rawConnected, uid } from './helpers.js'
import { createLogger } from '../index.js'

describe("the client's own limits on outbound traffic (aedes defect 4)", () => {
  it('never sends a PUBLISH larger than the Maximum Packet Size the client advertised', async () => {
    const b = await broker()
    const { c } = await rawConnected(b.urls.mqtt!, 5, { properties: { maximumPacketSize: 2000 } })
    c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'lim/size', qos: 1 }] })
    await c.next((p) => p.cmd === 'suback', 2000)
    const pub = await client(b.urls.mqtt!)
    await pub.publishAsync('lim/size', Buffer.alloc(10_000, 1), { qos: 1 })
    await pub.publishAsync('lim/size', 'small', { qos: 1 })
    const got = await c.next((p) => p.cmd === 'publish', 2000)
    expect(got.payload.toString()).toBe('small')
    expect(await c.nothingWithin((p) => p.cmd === 'publish', 300)).toBeNull()
  })

  it("keeps at most the client's Receive Maximum QoS 1 messages unacknowledged, then continues on PUBACK", async () => {
    const b = await broker()
    const { c } = await rawConnected(b.urls.mqtt!, 5, { properties: { receiveMaximum: 5 } })
    c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'lim/rm', qos: 1 }] })
    await c.next((p) => p.cmd === 'suback', 2000)
    const pub = await client(b.urls.mqtt!)
    for (let i = 0; i < 8; i++) await pub.publishAsync('lim/rm', String(i), { qos: 1 })
    const first = []
    for (let i = 0; i < 5; i++) first.push(await c.next((p) => p.cmd === 'publish', 2000))
    expect(await c.nothingWithin((p) => p.cmd === 'publish', 300)).toBeNull()
    c.send({ cmd: 'puback', messageId: first[0]!.messageId })
    const sixth = await c.next((p) => p.cmd === 'publish', 2000)
    expect(sixth.payload.toString()).toBe('5')
  })

  it('caps unacknowledged QoS 1 towards a 3.1.1 client at 100 [QOS1-INFLIGHT-100]', async () => {
    const b = await broker({ overrides: { mqtt: { publishesPerSecondPerConnection: 0 } } })
    const { c } = await rawConnected(b.urls.mqtt!, 4)
    c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'lim/100', qos: 1 }] })
    await c.next((p) => p.cmd === 'suback', 2000)
    const pub = await client(b.urls.mqtt!)
    for (let i = 0; i < 120; i++) await pub.publishAsync('lim/100', String(i), { qos: 1 })
    for (let i = 0; i < 100; i++) await c.next((p) => p.cmd === 'publish', 2000)
    expect(await c.nothingWithin((p) => p.cmd === 'publish', 300)).toBeNull()
  })
})

describe('structured logs', () => {
  it('writes one JSON line per connect, rejection and disconnect, each with a machine-readable reason', async () => {
    const stream = new PassThrough()
    const lines: Record<string, unknown>[] = []
    stream.on('data', (d: Buffer) => { for (const l of d.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l)) })
    const b = await broker({ logger: createLogger('info', stream) })
    const id = uid('log')
    const { c } = await rawConnected(b.urls.mqtt!, 5, { clientId: id })
    c.send({ cmd: 'publish', topic: 't', payload: Buffer.from('x'), qos: 0, properties: { topicAlias: 9 } })
    await c.waitClosed(3000)
    const deadline = Date.now() + 2000
    while (!lines.some((l) => l.event === 'disconnect') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
    const mine = lines.filter((l) => l.clientId === id)
    expect(mine.map((l) => l.event)).toEqual(['connect', 'rejected', 'disconnect'])
    expect(mine[1]).toMatchObject({ reason: 'topic-alias-out-of-range', code: 0x94 })
    expect(mine[2]).toMatchObject({ reason: 'topic-alias-out-of-range' })
  })

  it('is quiet by default', async () => {
    const stream = new PassThrough()
    let bytes = 0
    stream.on('data', (d: Buffer) => { bytes += d.length })
    const b = await broker({ logger: createLogger(undefined, stream) })
    const { c } = await rawConnected(b.urls.mqtt!, 5)
    c.send({ cmd: 'disconnect' })
    await c.waitClosed(2000)
    expect(bytes).toBe(0)
  })
})
