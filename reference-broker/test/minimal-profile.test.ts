/**
 * The mqtt-5-minimal profile: a server without retained messages, wildcard
 * subscriptions or QoS 1 and 2 advertises so in CONNACK and refuses
 * accordingly (MQTT 5.0 3.2.2.3) [MQTT5-3.2.2-10] [MQTT5-3.2.2-12] [MQTT5-3.2.2-13] [MQTT311-3.8.3-2].
 */
import { describe, expect, it } from 'vitest'
import { broker, raw, rawConnected, uid } from './helpers.js'

describe('the mqtt-5-minimal profile', () => {
  it('advertises Retain Available 0, Wildcard Subscription Available 0 and Maximum QoS 0', async () => {
    const b = await broker({ profile: 'mqtt-5-minimal' })
    const { connack } = await rawConnected(b.urls.mqtt!, 5)
    expect(connack.properties).toMatchObject({ retainAvailable: false, wildcardSubscriptionAvailable: false, maximumQoS: 0 })
  })

  it('refuses wildcard filters (SUBACK 0xA2, 0x80 on 3.1.1) and grants QoS 1 and 2 filters at QoS 0', async () => {
    const b = await broker({ profile: 'mqtt-5-minimal' })
    const subs = [{ topic: 'hx/+', qos: 0 }, { topic: 'hx/#', qos: 0 }, { topic: 'hx/one', qos: 1 }, { topic: 'hx/two', qos: 2 }]
    const { c: v5 } = await rawConnected(b.urls.mqtt!, 5)
    v5.send({ cmd: 'subscribe', messageId: 1, subscriptions: subs })
    expect((await v5.next((p) => p.cmd === 'suback', 2000)).granted).toEqual([0xa2, 0xa2, 0, 0])
    const { c: v4 } = await rawConnected(b.urls.mqtt!, 4)
    v4.send({ cmd: 'subscribe', messageId: 2, subscriptions: subs })
    expect((await v4.next((p) => p.cmd === 'suback', 2000)).granted).toEqual([0x80, 0x80, 0, 0])
  })

  it('refuses a retained Will with CONNACK 0x9A and a QoS 1 Will with 0x9B, and closes; 3.1.1 closes without CONNACK', async () => {
    const b = await broker({ profile: 'mqtt-5-minimal' })
    const retained = await raw(b.urls.mqtt!, 5)
    expect((await retained.connect({ clientId: uid(), will: { topic: 'hx/w', payload: Buffer.from('x'), qos: 0, retain: true } })).reasonCode).toBe(0x9a)
    await retained.waitClosed(2000)
    const qos1 = await raw(b.urls.mqtt!, 5)
    expect((await qos1.connect({ clientId: uid(), will: { topic: 'hx/w', payload: Buffer.from('x'), qos: 1, retain: false } })).reasonCode).toBe(0x9b)
    await qos1.waitClosed(2000)
    const v4 = await raw(b.urls.mqtt!, 4)
    await expect(v4.connect({ clientId: uid(), protocolVersion: 4, will: { topic: 'hx/w', payload: Buffer.from('x'), qos: 0, retain: true } }, 2000)).rejects.toThrow()
    await v4.waitClosed(2000)
  })

  it('answers a retained PUBLISH with 0x9A and a QoS 1 PUBLISH with DISCONNECT 0x9B', async () => {
    const b = await broker({ profile: 'mqtt-5-minimal' })
    const { c: r } = await rawConnected(b.urls.mqtt!, 5)
    r.send({ cmd: 'publish', topic: 'hx/r', payload: Buffer.from('x'), qos: 0, retain: true })
    const retainedRefusal = await r.next((p) => p.cmd === 'disconnect', 2000)
    expect(retainedRefusal.reasonCode).toBe(0x9a)
    const { c: q } = await rawConnected(b.urls.mqtt!, 5)
    q.send({ cmd: 'publish', topic: 'hx/q', payload: Buffer.from('x'), qos: 1, messageId: 3 })
    expect((await q.next((p) => p.cmd === 'disconnect', 2000)).reasonCode).toBe(0x9b)
  })
})
