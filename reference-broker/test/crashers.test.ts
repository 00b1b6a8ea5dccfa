import { describe, expect, it } from 'vitest'
import { broker, client, collect, raw, rawConnected, uid, until } from './helpers.js'
import { memoryLogger } from './http-helpers.js'
import { ChildBroker, frame, healthyPair, replayRegressions } from './fuzz/index.js'
import type { ReferenceBroker } from '../index.js'

/**
 * Packets that once killed the whole broker process (issue 10). Each gets the
 * answer the standard asks for, and the broker keeps serving: a client pair
 * connected before keeps its round trip, and a new connection is accepted.
 */
async function servesOn(b: ReferenceBroker, pair: Awaited<ReturnType<typeof healthyPair>>): Promise<void> {
  await pair.roundTrip()
  const c = await client(b.urls.mqtt!)
  const got = collect(c)
  await c.subscribeAsync('health/new', { qos: 1 })
  await c.publishAsync('health/new', 'ok', { qos: 1 })
  await got.waitFor(1)
  pair.close()
}

const utf8 = (s: string) => { const b = Buffer.from(s); return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]) }

describe('packets that used to crash the broker', () => {
  it('MQTT 3.1.1 empty client id with Clean Session 0: CONNACK 0x02 Identifier rejected [MQTT-3.1.3-8]', async () => {
    const b = await broker()
    const pair = await healthyPair(b.urls.mqtt!)
    const c = await raw(b.urls.mqtt!, 4)
    c.sendBytes(Buffer.from('100c00044d5154540400001e0000', 'hex'))
    const connack = await c.next((p) => p.cmd === 'connack', 3000)
    expect(connack.returnCode).toBe(2)
    await c.waitClosed(3000)
    await servesOn(b, pair)
  })

  it('MQTT 3.1 (MQIsdp) empty client id: CONNACK 0x02 (3.1 requires 1 to 23 characters)', async () => {
    const b = await broker()
    const pair = await healthyPair(b.urls.mqtt!)
    const c = await raw(b.urls.mqtt!, 3)
    c.sendBytes(frame(0x10, utf8('MQIsdp'), [3, 0x02, 0, 30], utf8('')))
    const connack = await c.next((p) => p.cmd === 'connack', 3000)
    expect(connack.returnCode).toBe(2)
    await c.waitClosed(3000)
    await servesOn(b, pair)
  })

  it('MQTT 5 empty client id with Clean Start 0: an id is assigned, as for Clean Start 1 [CID-ASSIGNED-V5]', async () => {
    const b = await broker()
    const pair = await healthyPair(b.urls.mqtt!)
    const c = await raw(b.urls.mqtt!, 5)
    c.sendBytes(frame(0x10, utf8('MQTT'), [5, 0x00, 0, 30, 0], utf8('')))
    const connack = await c.next((p) => p.cmd === 'connack', 3000)
    expect(connack.reasonCode).toBe(0)
    expect(connack.sessionPresent).toBe(false)
    expect(String(connack.properties?.assignedClientIdentifier ?? '')).not.toBe('')
    // The connection works: subscribe and get the SUBACK.
    c.send({ cmd: 'subscribe', messageId: 7, subscriptions: [{ topic: 'x/y', qos: 1 }] })
    expect((await c.next((p) => p.cmd === 'suback', 3000)).granted).toEqual([1])
    await servesOn(b, pair)
  })

  it.each([
    ['3.1.1 SUBSCRIBE', 4, [0x82, 0x02, 0x00, 0x01]],
    ['3.1.1 UNSUBSCRIBE', 4, [0xa2, 0x02, 0x00, 0x01]],
    ['5 SUBSCRIBE', 5, [0x82, 0x03, 0x00, 0x01, 0x00]],
    ['5 UNSUBSCRIBE', 5, [0xa2, 0x03, 0x00, 0x01, 0x00]],
  ] as const)('MQTT %s without a topic filter: a protocol error [MQTT-3.8.3-3] [MQTT-3.10.3-2]', async (_name, version, bytes) => {
    const b = await broker()
    const pair = await healthyPair(b.urls.mqtt!)
    const { c } = await rawConnected(b.urls.mqtt!, version)
    c.sendBytes(Buffer.from(bytes))
    const closed = await c.waitClosed(3000)
    if (version === 5) expect(closed.disconnect?.reasonCode).toBe(0x82)
    else expect(closed.disconnect).toBeUndefined()
    expect(c.received.filter((p) => p.cmd === 'suback' || p.cmd === 'unsuback')).toEqual([])
    await servesOn(b, pair)
  })

  it('MQTT 5 CONNECT whose User Property value is cut short: CONNACK 0x81 Malformed Packet', async () => {
    const b = await broker()
    const pair = await healthyPair(b.urls.mqtt!)
    const c = await raw(b.urls.mqtt!, 5)
    // Properties: User Property "a" whose value claims 255 bytes the packet does not have.
    c.sendBytes(frame(0x10, utf8('MQTT'), [5, 0x02, 0, 30], [6, 0x26, 0, 1, 0x61, 0, 0xff], utf8('')))
    const connack = await c.next((p) => p.cmd === 'connack', 3000)
    expect(connack.reasonCode).toBe(0x81)
    await c.waitClosed(3000)
    await servesOn(b, pair)
  })

  it('MQTT 5 CONNECT with Session Expiry Interval twice: CONNACK 0x82 Protocol Error', async () => {
    const b = await broker()
    const pair = await healthyPair(b.urls.mqtt!)
    const c = await raw(b.urls.mqtt!, 5)
    c.sendBytes(frame(0x10, utf8('MQTT'), [5, 0x00, 0, 30], [10, 0x11, 0, 0, 0, 1, 0x11, 0, 0, 0, 2], utf8(uid())))
    expect((await c.next((p) => p.cmd === 'connack', 3000)).reasonCode).toBe(0x82)
    await c.waitClosed(3000)
    await servesOn(b, pair)
  })

  it('MQTT 5 CONNECT with Receive Maximum 0: CONNACK 0x82 Protocol Error (the broker would never send it anything)', async () => {
    const b = await broker()
    const c = await raw(b.urls.mqtt!, 5)
    c.sendBytes(frame(0x10, utf8('MQTT'), [5, 0x02, 0, 30], [3, 0x21, 0, 0], utf8(uid())))
    expect((await c.next((p) => p.cmd === 'connack', 3000)).reasonCode).toBe(0x82)
    await c.waitClosed(3000)
  })

  it('MQTT 5 DISCONNECT with Session Expiry Interval twice (aedes armLongTimer NaN): DISCONNECT 0x82, session state intact', async () => {
    const b = await broker({ overrides: { mqtt: { connectsPerSecondPerClientId: 0 } } })
    const pair = await healthyPair(b.urls.mqtt!)
    const id = uid('sei')
    const { c } = await rawConnected(b.urls.mqtt!, 5, { clientId: id, clean: false, properties: { sessionExpiryInterval: 60 } })
    c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'sei/t', qos: 1 }] })
    await c.next((p) => p.cmd === 'suback', 3000)
    c.send({ cmd: 'unsubscribe', messageId: 2, unsubscriptions: ['sei/t'] })
    await c.next((p) => p.cmd === 'unsuback', 3000)
    c.sendBytes(frame(0xe0, [0x00], [10, 0x11, 0, 0, 0, 1, 0x11, 0, 0, 0, 2]))
    expect((await c.waitClosed(3000)).disconnect?.reasonCode).toBe(0x82)
    // The session is kept (60 s) and resumes.
    const again = await raw(b.urls.mqtt!, 5)
    const connack = await again.connect({ clientId: id, clean: false, properties: { sessionExpiryInterval: 0 } })
    expect(connack.reasonCode).toBe(0)
    expect(connack.sessionPresent).toBe(true)
    await servesOn(b, pair)
  })
})

describe('isolation: an unexpected error ends only the connection it happened on', () => {
  const internalErrors = (lines: Record<string, any>[]) => lines.filter((l) => l.event === 'rejected' && l.reason === 'internal-error')

  it('over WebSocket too: the 3.1.1 crasher gets CONNACK 0x02 and the broker serves on', async () => {
    const b = await broker()
    const pair = await healthyPair(b.urls.mqtt!)
    const c = await raw(b.urls.ws!, 4)
    c.sendBytes(Buffer.from('100c00044d5154540400001e0000', 'hex'))
    expect((await c.next((p) => p.cmd === 'connack', 3000)).returnCode).toBe(2)
    await c.waitClosed(3000)
    await servesOn(b, pair)
  })

  it('MQTT 5, inbound path, connected: DISCONNECT 0x83, exactly one log line, other clients served', async () => {
    const { logger, lines } = memoryLogger()
    const b = await broker({ logger })
    const pair = await healthyPair(b.urls.mqtt!)
    const { c } = await rawConnected(b.urls.mqtt!, 5)
    // A fault injected where the gate handles a retained PUBLISH.
    b.broker.retainedLimitReached = () => { throw new Error('injected fault') }
    c.send({ cmd: 'publish', topic: 'iso/t', payload: Buffer.from('x'), qos: 1, retain: true, messageId: 3 })
    expect((await c.waitClosed(3000)).disconnect?.reasonCode).toBe(0x83)
    expect(internalErrors(lines)).toEqual([expect.objectContaining({ event: 'rejected', where: 'inbound', code: 0x83, detail: 'injected fault' })])
    await servesOn(b, pair)
  })

  it('MQTT 3.1.1, inbound path: the connection is closed', async () => {
    const { logger, lines } = memoryLogger()
    const b = await broker({ logger })
    const pair = await healthyPair(b.urls.mqtt!)
    const { c } = await rawConnected(b.urls.mqtt!, 4)
    b.broker.retainedLimitReached = () => { throw new Error('injected fault') }
    c.send({ cmd: 'publish', topic: 'iso/t', payload: Buffer.from('x'), qos: 1, retain: true, messageId: 3 })
    expect((await c.waitClosed(3000)).disconnect).toBeUndefined()
    expect(internalErrors(lines)).toHaveLength(1)
    await servesOn(b, pair)
  })

  it('MQTT 5, inbound path while handling the CONNECT: CONNACK 0x83 and a close; the broker holds no state for it', async () => {
    const { logger, lines } = memoryLogger()
    const b = await broker({ logger })
    const pair = await healthyPair(b.urls.mqtt!)
    const before = b.broker.connectionCount
    const original = b.broker.connectAllowed.bind(b.broker)
    b.broker.connectAllowed = () => { throw new Error('injected fault') }
    const id = uid('iso')
    const c = await raw(b.urls.mqtt!, 5)
    const connack = await c.connect({ clientId: id })
    b.broker.connectAllowed = original
    expect(connack.reasonCode).toBe(0x83)
    await c.waitClosed(3000)
    expect(internalErrors(lines)).toEqual([expect.objectContaining({ where: 'inbound', code: 0x83 })])
    expect(b.broker.connection(id)).toBeUndefined()
    await until(() => b.broker.connectionCount === before, 3000, 'the failed connection to be released')
    await servesOn(b, pair)
  })

  it('MQTT 5, outbound path before the CONNACK: CONNACK 0x80 and a close; the next CONNECT is served', async () => {
    const { logger, lines } = memoryLogger()
    const b = await broker({ logger })
    const pair = await healthyPair(b.urls.mqtt!)
    const original = b.broker.onConnected.bind(b.broker)
    b.broker.onConnected = () => { throw new Error('injected fault') }
    const c = await raw(b.urls.mqtt!, 5)
    const connack = await c.connect({ clientId: uid('iso') })
    b.broker.onConnected = original
    expect(connack.reasonCode).toBe(0x80)
    await c.waitClosed(3000)
    expect(internalErrors(lines)).toEqual([expect.objectContaining({ where: 'outbound', code: 0x80 })])
    await servesOn(b, pair)
  })
})

describe('fuzz regressions', () => {
  it('every input that once crashed the broker gets an answer, and the broker process serves on', async () => {
    // In a child process: a crash there ends the process instead of surfacing as a test-runner error.
    const child = await ChildBroker.start()
    try {
      const pair = await healthyPair(`mqtt://127.0.0.1:${child.port}`)
      const replayed = await replayRegressions(child.port)
      expect(replayed).toBeGreaterThan(0)
      await pair.roundTrip()
      pair.close()
      child.check()
    } finally {
      await child.stop()
    }
  })
})
