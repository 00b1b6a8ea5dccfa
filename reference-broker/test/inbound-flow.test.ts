import mqttPacket from 'mqtt-packet'
import { describe, expect, it } from 'vitest'
import { broker, raw, rawConnected, uid } from './helpers.js'
import type { RawPacket } from '../../runners/index.js'

/** Several packets in one write, so the broker reads them in one socket read. */
function oneWrite(version: 4 | 5, ...packets: RawPacket[]): Buffer {
  return Buffer.concat(packets.map((p) => mqttPacket.generate(p as never, { protocolVersion: version })))
}

const publish = (messageId: number, qos: 1 | 2, topic = 'flow/t', extra: Record<string, unknown> = {}): RawPacket =>
  ({ cmd: 'publish', topic, payload: Buffer.from(`m${messageId}`), qos, retain: false, dup: false, messageId, ...extra })

describe('answers to accepted frames go out before a DISCONNECT [M5-DISCONNECT-REASON-CODES]', () => {
  it('MQTT 5: a QoS 1 PUBLISH and a refused PUBLISH in one read get the PUBACK, then DISCONNECT 0x94', async () => {
    const b = await broker()
    const { c } = await rawConnected(b.urls.mqtt!, 5)
    c.sendBytes(oneWrite(5, publish(11, 1), publish(12, 1, '', { properties: { topicAlias: 0 } })))
    const closed = await c.waitClosed(3000)
    expect(closed.disconnect?.reasonCode).toBe(0x94)
    const kinds = c.received.map((p) => p.cmd)
    expect(kinds).toEqual(['connack', 'puback', 'disconnect'])
    expect(c.received[1]!.messageId).toBe(11)
  })

  it('MQTT 3.1.1: a QoS 1 PUBLISH and a refused QoS 2 PUBLISH in one read get the PUBACK, then the close', async () => {
    const b = await broker()
    const { c } = await rawConnected(b.urls.mqtt!, 4)
    c.sendBytes(oneWrite(4, publish(21, 1), publish(22, 2)))
    await c.waitClosed(3000)
    expect(c.received.map((p) => p.cmd)).toEqual(['connack', 'puback'])
    expect(c.received[1]!.messageId).toBe(21)
  })
})

describe('Receive Maximum [QOS1-INFLIGHT-100] [MQTT-3.3.4-9]', () => {
  const small = { mqtt: { receiveMaximum: 2 } }

  it('a client with more unacknowledged QoS 1 PUBLISHes than the advertised Receive Maximum gets DISCONNECT 0x93', async () => {
    const b = await broker({ profile: 'mqtt-5', overrides: small })
    const { c, connack } = await rawConnected(b.urls.mqtt!, 5)
    expect(connack.properties?.receiveMaximum).toBe(2)
    c.sendBytes(oneWrite(5, publish(1, 1), publish(2, 1), publish(3, 1)))
    const closed = await c.waitClosed(3000)
    expect(closed.disconnect?.reasonCode).toBe(0x93)
    // The two within the window were handled and answered first.
    expect(c.received.filter((p) => p.cmd === 'puback').map((p) => p.messageId).sort()).toEqual([1, 2])
  })

  it('aws-iot-core: 100 in one read are all acknowledged; 101 get DISCONNECT 0x93, checked before the publish rate [LIM-INFLIGHT]', async () => {
    const b = await broker()
    const { c: inside } = await rawConnected(b.urls.mqtt!, 5)
    inside.sendBytes(oneWrite(5, ...Array.from({ length: 100 }, (_, i) => publish(i + 1, 1))))
    for (let i = 0; i < 100; i++) expect((await inside.next((p) => p.cmd === 'puback', 3000)).reasonCode ?? 0).toBe(0)
    const { c: outside } = await rawConnected(b.urls.mqtt!, 5)
    outside.sendBytes(oneWrite(5, ...Array.from({ length: 101 }, (_, i) => publish(i + 1, 1))))
    const closed = await outside.waitClosed(3000)
    expect(closed.disconnect?.reasonCode).toBe(0x93)
    expect(inside.isClosed).toBe(false)
  })

  it('a client that waits for its PUBACKs may send any number', async () => {
    const b = await broker({ profile: 'mqtt-5', overrides: small })
    const { c } = await rawConnected(b.urls.mqtt!, 5)
    for (let round = 0; round < 5; round++) {
      c.sendBytes(oneWrite(5, publish(round * 2 + 1, 1), publish(round * 2 + 2, 1)))
      await c.next((p) => p.cmd === 'puback' && p.messageId === round * 2 + 1, 2000)
      await c.next((p) => p.cmd === 'puback' && p.messageId === round * 2 + 2, 2000)
    }
    expect(c.isClosed).toBe(false)
  })

  it('a QoS 2 PUBLISH counts until its PUBCOMP, not its PUBREC', async () => {
    const b = await broker({ profile: 'mqtt-5', overrides: small })
    const { c } = await rawConnected(b.urls.mqtt!, 5)
    c.sendBytes(oneWrite(5, publish(1, 2), publish(2, 2)))
    await c.next((p) => p.cmd === 'pubrec' && p.messageId === 1, 2000)
    await c.next((p) => p.cmd === 'pubrec' && p.messageId === 2, 2000)
    c.send({ cmd: 'pubrel', messageId: 1 })
    await c.next((p) => p.cmd === 'pubcomp' && p.messageId === 1, 2000)
    c.send(publish(3, 2))
    await c.next((p) => p.cmd === 'pubrec' && p.messageId === 3, 2000)
    c.send(publish(4, 2))
    const closed = await c.waitClosed(3000)
    expect(closed.disconnect?.reasonCode).toBe(0x93)
  })
})

describe('QoS 2 packet identifiers of an ended session [MQTT-4.3.3]', () => {
  it.each([[5, 'Clean Start 1'], [4, 'cleanSession 1']] as const)('MQTT %i: a new session (%s) reuses an id the old one left open, and the message is delivered', async (version, _start) => {
    const b = await broker({ profile: 'mqtt-5' })
    const { c: watcher } = await rawConnected(b.urls.mqtt!, 5)
    watcher.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'q2/+', qos: 2 }] })
    await watcher.next((p) => p.cmd === 'suback', 2000)
    const id = uid('q2')
    const first = await raw(b.urls.mqtt!, version)
    await first.connect({ clientId: id, protocolVersion: version, clean: true })
    first.send(publish(7, 2, 'q2/first'))
    await first.next((p) => p.cmd === 'pubrec' && p.messageId === 7, 2000)
    first.send({ cmd: 'disconnect' })
    await first.waitClosed(2000)
    await watcher.next((p) => p.cmd === 'publish' && p.topic === 'q2/first', 2000)
    const second = await raw(b.urls.mqtt!, version)
    await second.connect({ clientId: id, protocolVersion: version, clean: true })
    second.send(publish(7, 2, 'q2/second'))
    await second.next((p) => p.cmd === 'pubrec' && p.messageId === 7, 2000)
    second.send({ cmd: 'pubrel', messageId: 7 })
    await second.next((p) => p.cmd === 'pubcomp' && p.messageId === 7, 2000)
    const got = await watcher.next((p) => p.cmd === 'publish' && p.topic === 'q2/second', 2000, 'the second QoS 2 message')
    expect(got.payload.toString()).toBe('m7')
  })
})
