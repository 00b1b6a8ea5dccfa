import { describe, expect, it } from 'vitest'
import { broker, client, collect, rawConnected, uid } from './helpers.js'

const pastConnectQuota = () => new Promise((r) => setTimeout(r, 1050))

describe('client-id takeover [CID-TAKEOVER] [CID-TAKEOVER-V5-REASON] [LWT-ON-TAKEOVER]', () => {
  it('the new MQTT 5 connection wins; the old one gets DISCONNECT 0x8E and its Will is published', async () => {
    const b = await broker()
    const watcher = await client(b.urls.mqtt!)
    const wills = collect(watcher)
    await watcher.subscribeAsync('lwt/takeover', { qos: 1 })
    const id = uid('dup')
    const { c: old } = await rawConnected(b.urls.mqtt!, 5, { clientId: id, will: { topic: 'lwt/takeover', payload: Buffer.from('old-gone'), qos: 1, retain: false } })
    await pastConnectQuota()
    const { connack } = await rawConnected(b.urls.mqtt!, 5, { clientId: id })
    expect(connack.reasonCode).toBe(0)
    const closed = await old.waitClosed(2000)
    expect(closed.disconnect?.reasonCode).toBe(0x8e)
    const [w] = await wills.waitFor(1, 3000)
    expect(w!.payload.toString()).toBe('old-gone')
  })

  it('MQTT 3.1.1: the old connection is closed, the new one stays', async () => {
    const b = await broker()
    const id = uid('dup')
    const { c: old } = await rawConnected(b.urls.mqtt!, 4, { clientId: id })
    await pastConnectQuota()
    const { c: fresh } = await rawConnected(b.urls.mqtt!, 4, { clientId: id })
    await old.waitClosed(2000)
    fresh.send({ cmd: 'pingreq' })
    await fresh.next((p) => p.cmd === 'pingresp', 2000)
  })
})

describe('Last Will [LWT-*]', () => {
  it.each([4, 5] as const)('MQTT %i: published on an ungraceful close, not after DISCONNECT [LWT-ON-UNGRACEFUL] [LWT-NOT-ON-DISCONNECT]', async (version) => {
    const b = await broker()
    const watcher = await client(b.urls.mqtt!)
    const wills = collect(watcher)
    await watcher.subscribeAsync('lwt/+', { qos: 1 })
    const graceful = await rawConnected(b.urls.mqtt!, version, { will: { topic: 'lwt/graceful', payload: Buffer.from('g'), qos: 1, retain: false } })
    graceful.c.send({ cmd: 'disconnect' })
    await graceful.c.waitClosed(2000)
    const rude = await rawConnected(b.urls.mqtt!, version, { will: { topic: 'lwt/rude', payload: Buffer.from('r'), qos: 1, retain: false, properties: version === 5 ? { contentType: 'text/plain' } : undefined } })
    rude.c.destroy()
    const [w] = await wills.waitFor(1, 3000)
    expect(w!.topic).toBe('lwt/rude')
    await expect(wills.waitFor(2, 500)).rejects.toThrow()
  })

  it('the Will PUBLISH carries no Will Delay Interval property (aedes defect 1)', async () => {
    const b = await broker()
    const { c: watcher } = await rawConnected(b.urls.mqtt!, 5)
    watcher.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'lwt/delay', qos: 1 }] })
    await watcher.next((p) => p.cmd === 'suback', 2000)
    const { c } = await rawConnected(b.urls.mqtt!, 5, { will: { topic: 'lwt/delay', payload: Buffer.from('d'), qos: 1, retain: false, properties: { willDelayInterval: 0, contentType: 'text/plain' } } })
    c.destroy()
    const will = await watcher.next((p) => p.cmd === 'publish', 3000, 'Will PUBLISH')
    expect(will.properties?.willDelayInterval).toBeUndefined()
    expect(will.properties?.contentType).toBe('text/plain')
  })
})
