import { describe, expect, it } from 'vitest'
import type { RawMqttClient, RawPacket } from '../../runners/index.js'
import { broker, client, rawConnected, uid } from './helpers.js'

/** The Subscription Identifiers a PUBLISH carries, sorted (their order is not significant). */
const idsOf = (p: RawPacket): number[] => {
  const v = (p.properties as { subscriptionIdentifier?: number | number[] } | undefined)?.subscriptionIdentifier
  return v === undefined ? [] : (Array.isArray(v) ? [...v] : [v]).sort((a, b) => a - b)
}

async function subscribe(c: RawMqttClient, messageId: number, topic: string, identifier?: number, options: Record<string, unknown> = {}): Promise<void> {
  c.send({ cmd: 'subscribe', messageId, subscriptions: [{ topic, qos: 1, ...options }], ...(identifier === undefined ? {} : { properties: { subscriptionIdentifier: identifier } }) })
  const ack = await c.next((p) => p.cmd === 'suback' && p.messageId === messageId, 2000, 'SUBACK')
  expect(ack.granted).toEqual([1])
}

const publishOf = (payload: string) => (p: RawPacket) => p.cmd === 'publish' && String(p.payload) === payload

describe('Subscription Identifiers under the mqtt-5 profile [MQTT5-3.3.4-3] [MQTT5-3.3.4-4] [MQTT5-3.3.4-5]', () => {
  it('CONNACK says Subscription Identifier Available 1 (aws-iot-core: 0)', async () => {
    const b = await broker({ profile: 'mqtt-5' })
    const { connack } = await rawConnected(b.urls.mqtt!, 5, { clientId: uid() })
    expect(connack.properties?.subscriptionIdentifiersAvailable).toBe(true)
    const aws = await broker()
    const { connack: awsConnack } = await rawConnected(aws.urls.mqtt!, 5, { clientId: uid() })
    expect(awsConnack.properties?.subscriptionIdentifiersAvailable).toBe(false)
  })

  it('one copy carries the identifiers of every matching subscription that has one, and no other', async () => {
    const b = await broker({ profile: 'mqtt-5' })
    const { c } = await rawConnected(b.urls.mqtt!, 5, { clientId: uid() })
    await subscribe(c, 1, 'si/a/+', 1)
    await subscribe(c, 2, 'si/#', 2)
    await subscribe(c, 3, 'si/a/b')
    await subscribe(c, 4, 'si/+/c', 3)
    const pub = await client(b.urls.mqtt!, { protocolVersion: 5 })
    await pub.publishAsync('si/a/b', 'ab', { qos: 1 })
    const one = await c.next(publishOf('ab'), 2000, 'the PUBLISH')
    expect(idsOf(one)).toEqual([1, 2])
    expect(await c.nothingWithin(publishOf('ab'), 300)).toBeNull()
    await pub.publishAsync('si/x/c', 'xc', { qos: 1 })
    expect(idsOf(await c.next(publishOf('xc'), 2000, 'the PUBLISH'))).toEqual([2, 3])
  })

  it('a resubscription without an identifier removes it; No Local keeps a client\'s own message from carrying its identifier', async () => {
    const b = await broker({ profile: 'mqtt-5' })
    const clientId = uid()
    const { c } = await rawConnected(b.urls.mqtt!, 5, { clientId })
    await subscribe(c, 1, 'nl/t', 7, { nl: true })
    await subscribe(c, 2, 'nl/#', 8)
    await subscribe(c, 3, 'nl/+', 9)
    await subscribe(c, 4, 'nl/+')
    c.send({ cmd: 'publish', topic: 'nl/t', payload: Buffer.from('own'), qos: 1, messageId: 10 })
    expect(idsOf(await c.next(publishOf('own'), 2000, 'the PUBLISH'))).toEqual([8])
  })

  it('a persistent session keeps the identifiers: messages queued while offline and unacknowledged ones carry them on resume', async () => {
    const b = await broker({ profile: 'mqtt-5' })
    const session = { clientId: uid(), clean: false, properties: { sessionExpiryInterval: 300 } }
    const { c } = await rawConnected(b.urls.mqtt!, 5, session)
    await subscribe(c, 1, 'ps/+', 5)
    await subscribe(c, 2, 'ps/#', 6)
    const pub = await client(b.urls.mqtt!, { protocolVersion: 5 })
    await pub.publishAsync('ps/t', 'unacked', { qos: 1 })
    const first = await c.next(publishOf('unacked'), 2000, 'the PUBLISH') // never acknowledged
    expect(idsOf(first)).toEqual([5, 6])
    c.destroy()
    await pub.publishAsync('ps/t', 'queued', { qos: 1 })
    const { c: again, connack } = await rawConnected(b.urls.mqtt!, 5, session)
    expect(connack.sessionPresent).toBe(true)
    const resent = await again.next(publishOf('unacked'), 2000, 'the re-sent PUBLISH')
    expect(resent.dup).toBe(true)
    expect(idsOf(resent)).toEqual([5, 6])
    // aedes queues an offline session's message once per matching filter: each copy carries its own
    // filter's identifier [MQTT5-3.3.4-5] (one copy would carry both [MQTT5-3.3.4-4]).
    const queued = [await again.next(publishOf('queued'), 2000, 'the queued PUBLISH')]
    for (let p = await again.nothingWithin(publishOf('queued'), 300); p; p = await again.nothingWithin(publishOf('queued'), 300)) queued.push(p)
    expect(queued.map(idsOf).sort((x, y) => x[0]! - y[0]!)).toEqual(queued.length === 1 ? [[5, 6]] : [[5], [6]])
    await pub.publishAsync('ps/t', 'live', { qos: 1 })
    expect(idsOf(await again.next(publishOf('live'), 2000, 'the live PUBLISH'))).toEqual([5, 6])
  })

  it('a shared-subscription copy carries its member\'s identifier only, the non-shared copy its own', async () => {
    const b = await broker({ profile: 'mqtt-5' })
    const { c } = await rawConnected(b.urls.mqtt!, 5, { clientId: uid() })
    await subscribe(c, 1, 'sh/t', 4)
    await subscribe(c, 2, '$share/g/sh/t', 3)
    await subscribe(c, 3, '$share/h/sh/+')
    const pub = await client(b.urls.mqtt!, { protocolVersion: 5 })
    await pub.publishAsync('sh/t', 'thrice', { qos: 1 })
    const copies = [await c.next(publishOf('thrice'), 2000, 'copy 1'), await c.next(publishOf('thrice'), 2000, 'copy 2'), await c.next(publishOf('thrice'), 2000, 'copy 3')]
    expect(copies.map(idsOf).sort((x, y) => (x[0] ?? 0) - (y[0] ?? 0))).toEqual([[], [3], [4]])
  })

  it('a retained message sent on SUBSCRIBE carries that subscription\'s identifier only', async () => {
    const b = await broker({ profile: 'mqtt-5' })
    const pub = await client(b.urls.mqtt!, { protocolVersion: 5 })
    await pub.publishAsync('rt/t', 'kept', { qos: 1, retain: true })
    const { c } = await rawConnected(b.urls.mqtt!, 5, { clientId: uid() })
    await subscribe(c, 1, 'rt/#', 11)
    expect(idsOf(await c.next(publishOf('kept'), 2000, 'the retained PUBLISH'))).toEqual([11])
    await subscribe(c, 2, 'rt/+', 12)
    expect(idsOf(await c.next(publishOf('kept'), 2000, 'the retained PUBLISH'))).toEqual([12])
  })
})
