import { describe, expect, it } from 'vitest'
import { broker, raw, rawConnected, uid } from './helpers.js'
import type { ReferenceBroker } from '../index.js'
import type { RawMqttClient } from '../../runners/index.js'

/** The connect rate per client id is not what these tests look at. */
const noConnectQuota = { mqtt: { connectsPerSecondPerClientId: 0 } }

async function watch(b: ReferenceBroker, topic: string): Promise<RawMqttClient> {
  const { c } = await rawConnected(b.urls.mqtt!, 5)
  c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 1 }] })
  await c.next((p) => p.cmd === 'suback', 2000, 'SUBACK')
  return c
}

function will(topic: string, delay: number) {
  return { topic, payload: Buffer.from('gone'), qos: 1, retain: false, properties: { willDelayInterval: delay } }
}

describe('MQTT 5 Will Delay Interval [LWT-ON-UNGRACEFUL] [MQTT-3.1.3-9]', () => {
  it('the delayed Will is an ordinary PUBLISH: no Will Delay Interval leaks into it', async () => {
    const b = await broker({ overrides: noConnectQuota })
    const watcher = await watch(b, 'wd/leak')
    const { c } = await rawConnected(b.urls.mqtt!, 5, { clean: false, properties: { sessionExpiryInterval: 30 }, will: will('wd/leak', 1) })
    const dropped = Date.now()
    c.destroy()
    const p = await watcher.next((x) => x.cmd === 'publish', 4000, 'the Will')
    expect(Date.now() - dropped).toBeGreaterThanOrEqual(900)
    expect(p.properties?.willDelayInterval).toBeUndefined()
    expect(p.payload.toString()).toBe('gone')
  })

  it('a session that ends with its connection (Clean Start 0, no Session Expiry) sends the Will at once', async () => {
    const b = await broker({ overrides: noConnectQuota })
    const watcher = await watch(b, 'wd/no-session')
    const { c } = await rawConnected(b.urls.mqtt!, 5, { clean: false, will: will('wd/no-session', 30) })
    c.destroy()
    await watcher.next((x) => x.cmd === 'publish', 900, 'the Will at session end (no delay)')
  })

  it('a reconnect with Clean Start 1 within the delay ends the old session, so its Will goes out then', async () => {
    const b = await broker({ overrides: noConnectQuota })
    const watcher = await watch(b, 'wd/clean')
    const id = uid('wd')
    const { c } = await rawConnected(b.urls.mqtt!, 5, { clientId: id, clean: false, properties: { sessionExpiryInterval: 60 }, will: will('wd/clean', 30) })
    c.destroy()
    await c.waitClosed(1000)
    expect(await watcher.nothingWithin((x) => x.cmd === 'publish', 300)).toBeNull()
    await rawConnected(b.urls.mqtt!, 5, { clientId: id, clean: true })
    await watcher.next((x) => x.cmd === 'publish', 1500, 'the Will when the new connection ended the session')
  })

  it('a takeover with Clean Start 0 within the delay cancels the Will', async () => {
    const b = await broker({ overrides: noConnectQuota })
    const watcher = await watch(b, 'wd/takeover')
    const id = uid('wd')
    await rawConnected(b.urls.mqtt!, 5, { clientId: id, clean: false, properties: { sessionExpiryInterval: 60 }, will: will('wd/takeover', 1) })
    const fresh = await raw(b.urls.mqtt!, 5)
    await fresh.connect({ clientId: id, protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 60 } })
    expect(await watcher.nothingWithin((x) => x.cmd === 'publish', 1600)).toBeNull()
  })
  it('a Will that went out at its delay is not sent again when a Clean Start 1 connection later ends the session', async () => {
    const b = await broker({ overrides: noConnectQuota })
    const watcher = await watch(b, 'wd/once')
    const id = uid('wd')
    const { c } = await rawConnected(b.urls.mqtt!, 5, { clientId: id, clean: false, properties: { sessionExpiryInterval: 60 }, will: will('wd/once', 1) })
    c.destroy()
    await watcher.next((x) => x.cmd === 'publish', 4000, 'the Will after its delay')
    await rawConnected(b.urls.mqtt!, 5, { clientId: id, clean: true })
    expect(await watcher.nothingWithin((x) => x.cmd === 'publish', 500)).toBeNull()
  })
})
