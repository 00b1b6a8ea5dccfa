import { describe, expect, it } from 'vitest'
import { broker, client, collect, rawConnected, uid } from './helpers.js'

describe('retained messages [RET-*]', () => {
  it('reach only a subscription whose filter equals the topic, with RETAIN=1 [RET-EXACT-MATCH] [RET-FLAG-ON-DELIVERY]', async () => {
    const b = await broker()
    const pub = await client(b.urls.mqtt!)
    await pub.publishAsync('users/settings/user01', 'prefs', { qos: 1, retain: true })
    const wild = await client(b.urls.mqtt!)
    const wildGot = collect(wild)
    await wild.subscribeAsync(['users/settings/+', 'users/#'], { qos: 1 })
    const exact = await client(b.urls.mqtt!)
    const exactGot = collect(exact)
    await exact.subscribeAsync('users/settings/user01', { qos: 1 })
    const [m] = await exactGot.waitFor(1)
    expect(m!.packet.retain).toBe(true)
    expect(m!.payload.toString()).toBe('prefs')
    await expect(wildGot.waitFor(1, 500)).rejects.toThrow(/got 0/)
    // a later live message on the topic still reaches the wildcard subscriber, with RETAIN=0
    await pub.publishAsync('users/settings/user01', 'live', { qos: 1, retain: true })
    const live = await wildGot.waitFor(1)
    expect(live[0]!.packet.retain).toBe(false)
  })

  it('the mqtt-5 profile delivers retained messages through wildcards (standard MQTT)', async () => {
    const b = await broker({ profile: 'mqtt-5' })
    const pub = await client(b.urls.mqtt!)
    await pub.publishAsync('std/a', 'kept', { qos: 1, retain: true })
    const wild = await client(b.urls.mqtt!)
    const got = collect(wild)
    await wild.subscribeAsync('std/+', { qos: 1 })
    const [m] = await got.waitFor(1)
    expect(m!.packet.retain).toBe(true)
  })

  it('keeps one message per topic; an empty payload deletes it but still reaches current subscribers [RET-ONE-PER-TOPIC] [RET-EMPTY-DELETES]', async () => {
    const b = await broker()
    const pub = await client(b.urls.mqtt!)
    await pub.publishAsync('ret/one', 'v1', { qos: 1, retain: true })
    await pub.publishAsync('ret/one', 'v2', { qos: 1, retain: true })
    const s1 = await client(b.urls.mqtt!)
    const g1 = collect(s1)
    await s1.subscribeAsync('ret/one', { qos: 1 })
    const first = await g1.waitFor(1)
    expect(first.map((m) => m.payload.toString())).toEqual(['v2'])
    await pub.publishAsync('ret/one', '', { qos: 1, retain: true })
    const deleted = await g1.waitFor(2)
    expect(deleted[1]!.payload.length).toBe(0)
    const s2 = await client(b.urls.mqtt!)
    const g2 = collect(s2)
    await s2.subscribeAsync('ret/one', { qos: 1 })
    await expect(g2.waitFor(1, 500)).rejects.toThrow(/got 0/)
  })

  it('a non-retained publish does not replace the retained message [RET-NONRETAINED-DOES-NOT-CLEAR]', async () => {
    const b = await broker()
    const pub = await client(b.urls.mqtt!)
    await pub.publishAsync('ret/keep', 'v1', { qos: 1, retain: true })
    await pub.publishAsync('ret/keep', 'v2', { qos: 1, retain: false })
    const s = await client(b.urls.mqtt!)
    const g = collect(s)
    await s.subscribeAsync('ret/keep', { qos: 1 })
    expect((await g.waitFor(1))[0]!.payload.toString()).toBe('v1')
  })

  it('a Will with Will Retain becomes the retained message [RET-WILL-RETAIN]', async () => {
    const b = await broker()
    const { c } = await rawConnected(b.urls.mqtt!, 4, { will: { topic: 'status/dev1', payload: Buffer.from('offline'), qos: 1, retain: true } })
    c.destroy()
    const s = await client(b.urls.mqtt!)
    const g = collect(s)
    // The Will is published when the broker notices the close; subscribe until it shows up retained.
    const deadline = Date.now() + 3000
    while (g.messages.length === 0 && Date.now() < deadline) {
      await s.subscribeAsync('status/dev1', { qos: 1 })
      await g.waitFor(1, 200).catch(() => {})
      if (g.messages.length === 0) await s.unsubscribeAsync('status/dev1')
    }
    expect(g.messages[0]?.payload.toString()).toBe('offline')
    expect(g.messages[0]?.packet.retain).toBe(true)
  })

  it('a retained publish to a reserved topic is refused [RET-NOT-ON-RESERVED]', async () => {
    const b = await broker()
    const { c } = await rawConnected(b.urls.mqtt!, 5)
    c.send({ cmd: 'publish', topic: '$aws/things/t1/shadow/update', payload: Buffer.from('{}'), qos: 0, retain: true })
    const closed = await c.waitClosed(3000)
    expect(closed.disconnect?.reasonCode).toBe(0x90)
  })

  it('shared subscriptions get no retained message on subscribe [RET-SHARED-NO-RETAINED]', async () => {
    const b = await broker()
    const pub = await client(b.urls.mqtt!)
    await pub.publishAsync('ret/shared', 'r', { qos: 1, retain: true })
    const member = await client(b.urls.mqtt!, { protocolVersion: 5 })
    const g = collect(member)
    await member.subscribeAsync(`$share/g${uid()}/ret/shared`, { qos: 1 })
    await expect(g.waitFor(1, 500)).rejects.toThrow(/got 0/)
  })
})
