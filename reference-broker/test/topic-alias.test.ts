import { describe, expect, it } from 'vitest'
import mqttPacket from 'mqtt-packet'
import { broker, client, collect, raw, rawConnected, uid } from './helpers.js'

const REASON = /^DISCONNECT:Topic alias is out of range\.:[0-9a-f-]{36}$/

describe('topic aliases [ALIAS-*]', () => {
  it('accepts aliases 1..8 and routes alias-only publishes on the full topic [ALIAS-MAX-8] [ALIAS-RESOLVED-FOR-SUBSCRIBERS]', async () => {
    const b = await broker()
    const sub = await client(b.urls.mqtt!, { protocolVersion: 5 })
    const got = collect(sub)
    await sub.subscribeAsync('alias/#', { qos: 0 })
    const { c } = await rawConnected(b.urls.mqtt!, 5)
    for (let alias = 1; alias <= 8; alias++) {
      c.send({ cmd: 'publish', topic: `alias/t${alias}`, payload: Buffer.from(`full-${alias}`), qos: 0, properties: { topicAlias: alias } })
      c.send({ cmd: 'publish', topic: '', payload: Buffer.from(`short-${alias}`), qos: 0, properties: { topicAlias: alias } })
    }
    const msgs = await got.waitFor(16)
    expect(msgs.filter((m) => m.payload.toString() === 'short-8')[0]?.topic).toBe('alias/t8')
    expect(new Set(msgs.map((m) => m.topic)).size).toBe(8)
    expect(msgs.every((m) => m.packet.properties?.topicAlias === undefined)).toBe(true)
    expect(c.isClosed).toBe(false)
  })

  it.each([9, 14, 0])('alias %i gets DISCONNECT 0x94 with the documented reason string, then the socket closes [ALIAS-OUT-OF-RANGE-0x94]', async (alias) => {
    const b = await broker()
    const { c } = await rawConnected(b.urls.mqtt!, 5)
    c.send({ cmd: 'publish', topic: 'a/b', payload: Buffer.from('x'), qos: 0, properties: { topicAlias: alias } })
    const closed = await c.waitClosed(3000)
    expect(closed.disconnect?.reasonCode).toBe(0x94)
    expect(closed.disconnect?.properties?.reasonString).toMatch(REASON)
  })

  it('sends DISCONNECT 0x94 every time when the PUBLISH arrives right behind the CONNECT (50 of 50)', async () => {
    const b = await broker()
    let disconnects = 0
    for (let i = 0; i < 50; i++) {
      const c = await raw(b.urls.mqtt!, 5)
      // CONNECT and the bad PUBLISH in one write: the PUBLISH is on the wire before the CONNACK.
      const bytes = Buffer.concat([
        mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: true, keepalive: 60, clientId: uid('burst') } as never, { protocolVersion: 5 }),
        mqttPacket.generate({ cmd: 'publish', topic: 'a/b', payload: Buffer.from('x'), qos: 0, retain: false, dup: false, properties: { topicAlias: 9 } } as never, { protocolVersion: 5 }),
      ])
      c.sendBytes(bytes)
      const closed = await c.waitClosed(3000)
      const types = c.received.map((p) => p.cmd)
      expect(types).toEqual(['connack', 'disconnect'])
      if (closed.disconnect?.reasonCode === 0x94 && REASON.test(String(closed.disconnect.properties?.reasonString))) disconnects++
    }
    expect(disconnects).toBe(50)
  })

  it('an alias is valid only on the connection that set it [ALIAS-CONNECTION-SCOPE]', async () => {
    const b = await broker()
    const { c } = await rawConnected(b.urls.mqtt!, 5)
    c.send({ cmd: 'publish', topic: '', payload: Buffer.from('x'), qos: 0, properties: { topicAlias: 3 } })
    const closed = await c.waitClosed(3000)
    expect(closed.disconnect?.reasonCode).toBe(0x82)
  })

  it('a profile with a higher maximum accepts alias 9 (the limit comes from the profile)', async () => {
    const b = await broker({ overrides: { mqtt: { topicAliasMaximum: 9 } } })
    const { c, connack } = await rawConnected(b.urls.mqtt!, 5)
    expect(connack.properties?.topicAliasMaximum).toBe(9)
    c.send({ cmd: 'publish', topic: 'a/b', payload: Buffer.from('x'), qos: 1, messageId: 7, properties: { topicAlias: 9 } })
    const ack = await c.next((p) => p.cmd === 'puback', 2000, 'PUBACK')
    expect(ack.messageId).toBe(7)
  })
})
