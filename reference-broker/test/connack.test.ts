import { describe, expect, it } from 'vitest'
import { broker, rawConnected, raw, uid, client, collect } from './helpers.js'

describe('MQTT 5 CONNACK [M5-CONNACK-PROPERTIES]', () => {
  it('carries exactly the documented properties', async () => {
    const b = await broker()
    const { connack } = await rawConnected(b.urls.mqtt!, 5, { keepalive: 60 })
    expect(connack.reasonCode).toBe(0)
    expect(connack.properties).toEqual({
      receiveMaximum: 100,
      topicAliasMaximum: 8,
      maximumQoS: 1,
      retainAvailable: true,
      maximumPacketSize: 149504,
      wildcardSubscriptionAvailable: true,
      subscriptionIdentifiersAvailable: false,
      sharedSubscriptionAvailable: true,
      serverKeepAlive: 60, // [KA-SERVER-KEEPALIVE-PROPERTY]
    })
  })

  it('echoes the clamped Session Expiry Interval [PS-SEI-CLAMP]', async () => {
    const b = await broker()
    const { connack } = await rawConnected(b.urls.mqtt!, 5, { clean: false, properties: { sessionExpiryInterval: 86400 } })
    expect(connack.properties?.sessionExpiryInterval).toBe(3600)
  })

  it('assigns a client id when the client sends none [CID-ASSIGNED-V5]', async () => {
    const b = await broker()
    const { connack } = await rawConnected(b.urls.mqtt!, 5, { clientId: '' })
    expect(connack.properties?.assignedClientIdentifier).toMatch(/.+/)
  })
})

describe('keep-alive [KA-RANGE-30-1200] [KA-TIMEOUT-1.5X]', () => {
  it.each([[10, 30], [0, 1200], [2000, 1200], [60, 60], [30, 30], [1200, 1200]])('requested %i s becomes Server Keep Alive %i s', async (requested, effective) => {
    const b = await broker()
    const { connack } = await rawConnected(b.urls.mqtt!, 5, { keepalive: requested })
    expect(connack.properties?.serverKeepAlive).toBe(effective)
  })

  it('disconnects a silent MQTT 5 client after 1.5 x keep-alive with 0x8D and publishes its Will', async () => {
    const b = await broker({ overrides: { mqtt: { keepAlive: { minSeconds: 1 } } } })
    const watcher = await client(b.urls.mqtt!)
    const got = collect(watcher)
    await watcher.subscribeAsync('lwt/ka', { qos: 1 })
    const { c } = await rawConnected(b.urls.mqtt!, 5, { keepalive: 1, will: { topic: 'lwt/ka', payload: Buffer.from('gone'), qos: 1, retain: false } })
    const started = Date.now()
    const disconnect = await c.next((p) => p.cmd === 'disconnect', 4000, 'DISCONNECT')
    const elapsed = Date.now() - started
    expect(disconnect.reasonCode).toBe(0x8d)
    expect(elapsed).toBeGreaterThanOrEqual(1400)
    expect(elapsed).toBeLessThan(3000)
    await c.waitClosed(2000)
    const [will] = await got.waitFor(1, 3000)
    expect(will!.payload.toString()).toBe('gone')
  })

  it('keeps a client whose packets come between 1 x and 1.5 x keep-alive apart, and closes it once they stop', async () => {
    const b = await broker({ overrides: { mqtt: { keepAlive: { minSeconds: 1 } } } })
    const { c } = await rawConnected(b.urls.mqtt!, 5, { keepalive: 1 })
    // A PINGREQ every 1.3 s: later than the keep-alive, earlier than 1.5 x it. Five of them span
    // 6.5 s, over four times the 1.5 s a silent client is given.
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 1300))
      expect(c.isClosed, `closed before PINGREQ ${i + 1}`).toBe(false)
      c.send({ cmd: 'pingreq' })
      await c.next((p) => p.cmd === 'pingresp', 1000, `PINGRESP ${i + 1}`)
    }
    const stopped = Date.now()
    const disconnect = await c.next((p) => p.cmd === 'disconnect', 4000, 'DISCONNECT after the pings stop')
    expect(disconnect.reasonCode).toBe(0x8d)
    expect(Date.now() - stopped).toBeGreaterThanOrEqual(1400)
  })

  it('closes a silent MQTT 3.1.1 client after 1.5 x keep-alive', async () => {
    const b = await broker({ overrides: { mqtt: { keepAlive: { minSeconds: 1 } } } })
    const { c } = await rawConnected(b.urls.mqtt!, 4, { keepalive: 1 })
    const closed = await c.waitClosed(4000)
    expect(closed.disconnect).toBeUndefined()
    expect(closed.atMs).toBeGreaterThanOrEqual(1400)
  })

  it('keeps a client that pings within the keep-alive', async () => {
    const b = await broker({ overrides: { mqtt: { keepAlive: { minSeconds: 1 } } } })
    const { c } = await rawConnected(b.urls.mqtt!, 5, { keepalive: 1 })
    for (let i = 0; i < 4; i++) {
      c.send({ cmd: 'pingreq' })
      await c.next((p) => p.cmd === 'pingresp', 1000, 'PINGRESP')
    }
    expect(c.isClosed).toBe(false)
  })
})

describe('client id rules [CID-MAX-128] [CID-DOLLAR-RESERVED]', () => {
  it.each([5, 4] as const)('refuses a 129-byte client id on MQTT %i', async (version) => {
    const b = await broker()
    const c = await raw(b.urls.mqtt!, version)
    const connack = await c.connect({ clientId: 'x'.repeat(129), protocolVersion: version })
    if (version === 5) expect(connack.reasonCode).toBe(0x85)
    else expect(connack.returnCode).toBe(2)
    await c.waitClosed(2000)
  })

  it('accepts a 128-byte client id', async () => {
    const b = await broker()
    const c = await raw(b.urls.mqtt!, 5)
    const connack = await c.connect({ clientId: 'y'.repeat(120) + uid('').slice(0, 8).padEnd(8, 'z'), protocolVersion: 5 })
    expect(connack.reasonCode).toBe(0)
  })

  it.each([5, 4] as const)('refuses a $-prefixed client id on MQTT %i', async (version) => {
    const b = await broker()
    const c = await raw(b.urls.mqtt!, version)
    const connack = await c.connect({ clientId: '$internal', protocolVersion: version })
    if (version === 5) expect(connack.reasonCode).toBe(0x85)
    else expect(connack.returnCode).toBe(2)
  })

  it('refuses a second CONNECT for the same client id within a second [CID-CONNECT-RATE-1PS]', async () => {
    const b = await broker()
    const id = uid()
    const first = await raw(b.urls.mqtt!, 5)
    expect((await first.connect({ clientId: id })).reasonCode).toBe(0)
    const second = await raw(b.urls.mqtt!, 5)
    expect((await second.connect({ clientId: id })).reasonCode).toBe(0x9f)
    expect(first.isClosed).toBe(false)
  })
})

describe('Server Keep Alive under the mqtt-5 profile [MQTT5-3.2.2-22]', () => {
  it('is left out when the client\'s keep-alive stands, and sent when the profile changes it', async () => {
    const b = await broker({ profile: 'mqtt-5' })
    const { connack } = await rawConnected(b.urls.mqtt!, 5, { clientId: uid(), keepalive: 2 })
    expect(connack.properties?.serverKeepAlive).toBeUndefined()
    const capped = await broker({ profile: 'mqtt-5', overrides: { mqtt: { keepAlive: { maxSeconds: 30 } } } })
    const { connack: lowered } = await rawConnected(capped.urls.mqtt!, 5, { clientId: uid(), keepalive: 60 })
    expect(lowered.properties?.serverKeepAlive).toBe(30)
    const { connack: kept } = await rawConnected(capped.urls.mqtt!, 5, { clientId: uid(), keepalive: 20 })
    expect(kept.properties?.serverKeepAlive).toBeUndefined()
  })
})

describe('CONNACK Reason String and User Properties [MQTT5-3.2.2-19] [MQTT5-3.2.2-20]', () => {
  const refusedWill = { will: { topic: 'hx/will/#', payload: Buffer.from('x'), qos: 0 as const, retain: false } }

  it('a refusal says why under mqtt-5 when problem information is allowed, never under aws-iot-core', async () => {
    const plain = await broker({ profile: 'mqtt-5' })
    const said = await (await raw(plain.urls.mqtt!, 5)).connect({ clientId: uid(), ...refusedWill })
    expect(said.reasonCode).toBe(0x90)
    expect(said.properties?.reasonString).toMatch(/^CONNACK: refused 0x90 \(will-topic-invalid/)
    const quiet = await (await raw(plain.urls.mqtt!, 5)).connect({ clientId: uid(), ...refusedWill, properties: { requestProblemInformation: false } })
    expect(quiet.reasonCode).toBe(0x90)
    expect(quiet.properties?.reasonString).toBeUndefined()
    const aws = await broker()
    const awsRefusal = await (await raw(aws.urls.mqtt!, 5)).connect({ clientId: uid(), ...refusedWill })
    expect(awsRefusal.reasonCode).toBe(0x90)
    expect(awsRefusal.properties?.reasonString).toBeUndefined()
    expect(awsRefusal.properties?.userProperties).toBeUndefined()
  })

  it('the profile\'s User Properties go on every CONNACK, and both are left out past the client\'s Maximum Packet Size', async () => {
    // The mqtt-5 profile's own User Property (reference-broker/profiles/mqtt-5.yaml).
    const b = await broker({ profile: 'mqtt-5' })
    const { connack } = await rawConnected(b.urls.mqtt!, 5, { clientId: uid() })
    expect(connack.properties?.userProperties).toEqual({ 'hx-server': 'mqtt-harness-reference' })
    const refused = await (await raw(b.urls.mqtt!, 5)).connect({ clientId: uid(), ...refusedWill })
    expect(refused.properties?.userProperties).toEqual({ 'hx-server': 'mqtt-harness-reference' })
    expect(refused.properties?.reasonString).toMatch(/^CONNACK: refused 0x90/)
    // A success CONNACK of the mqtt-5 profile takes 24 bytes without the User Property, 60 with it.
    const { connack: small } = await rawConnected(b.urls.mqtt!, 5, { clientId: uid(), properties: { maximumPacketSize: 40 } })
    expect(small.reasonCode).toBe(0)
    expect(small.properties?.userProperties).toBeUndefined()
    expect(small.properties?.receiveMaximum).toBe(65535)
    const smallRefusal = await (await raw(b.urls.mqtt!, 5)).connect({ clientId: uid(), ...refusedWill, properties: { maximumPacketSize: 16 } })
    expect(smallRefusal.reasonCode).toBe(0x90)
    expect(smallRefusal.properties ?? {}).toEqual({})
  })
})
