/**
 * MQTT 5 enhanced authentication with the test method HX-CHALLENGE
 * (hx-challenge.ts) under a plain-MQTT profile, on real sockets: the CONNECT's
 * exchange, re-authentication, the failures (wrong answer, other method, codes
 * out of turn, malformed AUTH), the properties the server's AUTH carries, and
 * that aws-iot-core keeps having no AUTH at all [M5-NO-AUTH-PACKET].
 */
import { describe, expect, it } from 'vitest'
import type { RawMqttClient, RawPacket } from '../../runners/index.js'
import { broker, client, raw, uid } from './helpers.js'

const METHOD = 'HX-CHALLENGE'

/** A raw MQTT 5 client that sent a CONNECT naming HX-CHALLENGE and got the challenge. */
async function challenged(url: string, properties: Record<string, unknown> = {}): Promise<{ c: RawMqttClient; challenge: RawPacket }> {
  const c = await raw(url, 5)
  c.send({ cmd: 'connect', protocolVersion: 5, protocolId: 'MQTT', clientId: uid('auth'), clean: true, keepalive: 60, properties: { authenticationMethod: METHOD, ...properties } } as RawPacket)
  const challenge = await c.next((p) => p.cmd === 'auth', 3000, 'AUTH challenge')
  return { c, challenge }
}

const dataOf = (p: RawPacket): Buffer => (p.properties as { authenticationData: Buffer }).authenticationData
const answer = (c: RawMqttClient, data: Buffer | string, method = METHOD) =>
  c.send({ cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: method, authenticationData: data } } as RawPacket)

/** A connected HX-CHALLENGE client: the challenge answered, CONNACK 0 received. */
async function authenticated(url: string): Promise<RawMqttClient> {
  const { c, challenge } = await challenged(url)
  answer(c, dataOf(challenge))
  const connack = await c.next((p) => p.cmd === 'connack', 3000, 'CONNACK')
  expect(connack.reasonCode).toBe(0)
  return c
}

/** Re-authentication: AUTH 0x19, and the server's new challenge. */
async function reauthChallenge(c: RawMqttClient): Promise<RawPacket> {
  c.send({ cmd: 'auth', reasonCode: 0x19, properties: { authenticationMethod: METHOD } } as RawPacket)
  return c.next((p) => p.cmd === 'auth', 3000, 're-authentication challenge')
}

/** The broker still serves an ordinary client. */
async function stillServes(url: string): Promise<void> {
  const c = await client(url, { protocolVersion: 5 })
  expect(c.connected).toBe(true)
}

describe('HX-CHALLENGE under the mqtt-5 profile', () => {
  it('challenges with AUTH 0x18 and the method, and connects on the right answer with the method in the CONNACK [MQTT5-4.12.0-2] [MQTT5-4.12.0-5]', async () => {
    const b = await broker({ profile: 'mqtt-5' })
    const { c, challenge } = await challenged(b.urls.mqtt!, { authenticationData: Buffer.from('hello') })
    expect(challenge.reasonCode).toBe(0x18)
    expect(challenge.properties).toMatchObject({ authenticationMethod: METHOD, userProperties: { 'hx-auth-step': 'challenge' } })
    expect(dataOf(challenge).toString()).toMatch(/^[0-9a-f]{16}$/)
    expect(typeof challenge.properties!.reasonString).toBe('string')
    // No CONNACK before the answer.
    expect(await c.nothingWithin((p) => p.cmd === 'connack', 100)).toBeNull()
    answer(c, dataOf(challenge))
    const connack = await c.next((p) => p.cmd === 'connack', 3000, 'CONNACK')
    expect(connack.reasonCode).toBe(0)
    expect(connack.properties?.authenticationMethod).toBe(METHOD)
    // aedes took the CONNECT: the connection works.
    c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'hx/auth/x', qos: 1 }] } as RawPacket)
    expect((await c.next((p) => p.cmd === 'suback', 3000, 'SUBACK')).granted).toEqual([1])
    c.send({ cmd: 'publish', topic: 'hx/auth/x', payload: Buffer.from('ok'), qos: 0 } as RawPacket)
    expect(String((await c.next((p) => p.cmd === 'publish', 3000, 'PUBLISH')).payload)).toBe('ok')
  })

  it('gives every connection its own challenge', async () => {
    const b = await broker({ profile: 'mqtt-5' })
    const one = await challenged(b.urls.mqtt!)
    const two = await challenged(b.urls.mqtt!)
    expect(dataOf(one.challenge).equals(dataOf(two.challenge))).toBe(false)
    // The other connection's challenge is a wrong answer.
    answer(two.c, dataOf(one.challenge))
    expect((await two.c.next((p) => p.cmd === 'connack', 3000, 'CONNACK')).reasonCode).toBe(0x87)
  })

  it('refuses a wrong answer, or none, with CONNACK 0x87 and closes [MQTT5-4.12.0-4]', async () => {
    const b = await broker({ profile: 'mqtt-5' })
    for (const data of ['not-the-challenge', undefined]) {
      const { c } = await challenged(b.urls.mqtt!)
      c.send({ cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: METHOD, ...(data ? { authenticationData: data } : {}) } } as RawPacket)
      expect((await c.next((p) => p.cmd === 'connack', 3000, 'CONNACK')).reasonCode).toBe(0x87)
      await c.waitClosed(3000)
    }
    await stillServes(b.urls.mqtt!)
  })

  it('re-authenticates: a new challenge (0x18), then AUTH 0x00 with the method; the connection goes on [MQTT5-4.12.1-1] [MQTT5-3.15.2-1]', async () => {
    const b = await broker({ profile: 'mqtt-5' })
    const c = await authenticated(b.urls.mqtt!)
    const first = await reauthChallenge(c)
    expect(first.reasonCode).toBe(0x18)
    expect(first.properties?.authenticationMethod).toBe(METHOD)
    answer(c, dataOf(first))
    const done = await c.next((p) => p.cmd === 'auth', 3000, 'AUTH success')
    expect(done.reasonCode).toBe(0)
    expect(done.properties).toMatchObject({ authenticationMethod: METHOD, userProperties: { 'hx-auth-step': 'success' } })
    expect(done.properties?.authenticationData).toBeUndefined()
    // Again: a fresh challenge each time.
    const second = await reauthChallenge(c)
    expect(dataOf(second).equals(dataOf(first))).toBe(false)
    answer(c, dataOf(second))
    expect((await c.next((p) => p.cmd === 'auth', 3000, 'AUTH success')).reasonCode).toBe(0)
    c.send({ cmd: 'pingreq' } as RawPacket)
    await c.next((p) => p.cmd === 'pingresp', 3000, 'PINGRESP')
  })

  it('ends the connection on a failed re-authentication: DISCONNECT 0x87, then the close [MQTT5-4.12.1-2]', async () => {
    const b = await broker({ profile: 'mqtt-5' })
    const c = await authenticated(b.urls.mqtt!)
    await reauthChallenge(c)
    answer(c, 'wrong')
    const d = await c.next((p) => p.cmd === 'disconnect', 3000, 'DISCONNECT')
    expect(d.reasonCode).toBe(0x87)
    await c.waitClosed(3000)
    await stillServes(b.urls.mqtt!)
  })

  it('treats an AUTH naming another method as a Protocol Error: CONNACK 0x82 during the CONNECT, DISCONNECT 0x82 after', async () => {
    const b = await broker({ profile: 'mqtt-5' })
    const { c, challenge } = await challenged(b.urls.mqtt!)
    answer(c, dataOf(challenge), 'OTHER-METHOD')
    expect((await c.next((p) => p.cmd === 'connack', 3000, 'CONNACK')).reasonCode).toBe(0x82)
    await c.waitClosed(3000)
    const later = await authenticated(b.urls.mqtt!)
    later.send({ cmd: 'auth', reasonCode: 0x19, properties: { authenticationMethod: 'OTHER-METHOD' } } as RawPacket)
    expect((await later.next((p) => p.cmd === 'disconnect', 3000, 'DISCONNECT')).reasonCode).toBe(0x82)
    await later.waitClosed(3000)
  })

  it('treats codes out of turn and other packets during the exchange as Protocol Errors', async () => {
    const b = await broker({ profile: 'mqtt-5' })
    // 0x19 while the CONNECT's challenge is unanswered.
    const a = await challenged(b.urls.mqtt!)
    a.c.send({ cmd: 'auth', reasonCode: 0x19, properties: { authenticationMethod: METHOD } } as RawPacket)
    expect((await a.c.next((p) => p.cmd === 'connack', 3000, 'CONNACK')).reasonCode).toBe(0x82)
    // A PUBLISH before the exchange ends.
    const p = await challenged(b.urls.mqtt!)
    p.c.send({ cmd: 'publish', topic: 'hx/auth/early', payload: Buffer.from('x'), qos: 0 } as RawPacket)
    expect((await p.c.next((x) => x.cmd === 'connack', 3000, 'CONNACK')).reasonCode).toBe(0x82)
    // An answer (0x18) with no challenge out, once connected.
    const c = await authenticated(b.urls.mqtt!)
    answer(c, 'unasked')
    expect((await c.next((x) => x.cmd === 'disconnect', 3000, 'DISCONNECT')).reasonCode).toBe(0x82)
    // A DISCONNECT during the exchange just ends it.
    const d = await challenged(b.urls.mqtt!)
    d.c.send({ cmd: 'disconnect', reasonCode: 0 } as RawPacket)
    await d.c.waitClosed(3000)
    await stillServes(b.urls.mqtt!)
  })

  it('refuses malformed AUTH packets with 0x81 / 0x82, before and after the CONNACK, and keeps serving others', async () => {
    const b = await broker({ profile: 'mqtt-5' })
    // Reason code 0x05 is no Authenticate reason code: malformed.
    const a = await challenged(b.urls.mqtt!)
    a.c.sendBytes(Buffer.from('f00105', 'hex'))
    expect((await a.c.next((p) => p.cmd === 'connack', 3000, 'CONNACK')).reasonCode).toBe(0x81)
    await a.c.waitClosed(3000)
    // The Authentication Method twice: a Protocol Error.
    const twice = Buffer.from('f00c180a1500024858150002485a'.replace(/\s/g, ''), 'hex')
    const t = await authenticated(b.urls.mqtt!)
    t.sendBytes(twice)
    expect((await t.next((p) => p.cmd === 'disconnect', 3000, 'DISCONNECT')).reasonCode).toBeGreaterThanOrEqual(0x81)
    await t.waitClosed(3000)
    // A property length running past the packet.
    const cut = await authenticated(b.urls.mqtt!)
    cut.sendBytes(Buffer.from('f003181500', 'hex'))
    expect((await cut.next((p) => p.cmd === 'disconnect', 3000, 'DISCONNECT')).reasonCode).toBe(0x81)
    await stillServes(b.urls.mqtt!)
  })

  it('leaves the Reason String and User Property out when Request Problem Information is 0 [MQTT5-3.1.2-29], or when they would exceed the Maximum Packet Size [MQTT5-3.15.2-2] [MQTT5-3.15.2-3]', async () => {
    const b = await broker({ profile: 'mqtt-5' })
    for (const properties of [{ requestProblemInformation: false }, { maximumPacketSize: 60 }]) {
      const { c, challenge } = await challenged(b.urls.mqtt!, properties)
      expect(challenge.reasonCode).toBe(0x18)
      expect(challenge.properties?.reasonString).toBeUndefined()
      expect(challenge.properties?.userProperties).toBeUndefined()
      expect(dataOf(challenge)).toHaveLength(16)
      answer(c, dataOf(challenge))
      expect((await c.next((p) => p.cmd === 'connack', 3000, 'CONNACK')).reasonCode).toBe(0)
    }
  })

  it('closes an exchange the client never finishes at the connect deadline', async () => {
    const b = await broker({ profile: 'mqtt-5', overrides: { server: { connectTimeoutMs: 300 } } })
    const { c } = await challenged(b.urls.mqtt!)
    await c.waitClosed(3000)
    expect(c.isClosed).toBe(true)
  })

  it('keeps refusing other methods with CONNACK 0x8C, and an AUTH without a method in the CONNECT with DISCONNECT 0x82 [MQTT5-4.12.0-1] [MQTT5-4.12.0-7]', async () => {
    const b = await broker({ profile: 'mqtt-5' })
    const other = await raw(b.urls.mqtt!, 5)
    expect((await other.connect({ clientId: uid('auth'), properties: { authenticationMethod: 'SCRAM-SHA-1' } })).reasonCode).toBe(0x8c)
    const plain = await raw(b.urls.mqtt!, 5)
    const connack = await plain.connect({ clientId: uid('auth') })
    expect(connack.properties?.authenticationMethod).toBeUndefined()
    plain.send({ cmd: 'auth', reasonCode: 0x19, properties: { authenticationMethod: METHOD } } as RawPacket)
    expect((await plain.next((p) => p.cmd === 'disconnect', 3000, 'DISCONNECT')).reasonCode).toBe(0x82)
  })
})

describe('HX-CHALLENGE against random AUTH packets', () => {
  it('answers any AUTH bytes, during the exchange or after it, with a refusal or the exchange, never an internal error', async () => {
    const b = await broker({ profile: 'mqtt-5' })
    const rnd = seeded(Number(process.env.HX_FUZZ_SEED ?? 20261203))
    const codes = [0x00, 0x18, 0x19, 0x01, 0x87]
    for (let i = 0; i < 60; i++) {
      const body = i % 2 === 0
        // A well-formed AUTH with a random code, method and data.
        ? encodeAuth(codes[rnd(codes.length)]!, rnd(3) === 0 ? 'OTHER' : METHOD, rnd(2) === 0 ? 'x'.repeat(rnd(40)) : undefined)
        // Random bytes after an AUTH fixed header.
        : Buffer.concat([Buffer.from([0xf0 | rnd(2), 0]), Buffer.from(Array.from({ length: rnd(12) }, () => rnd(256)))])
      if (i % 2 === 1) body[1] = body.length - 2
      const before = i % 4 < 2
      const c = before ? (await challenged(b.urls.mqtt!)).c : await authenticated(b.urls.mqtt!)
      c.sendBytes(body)
      // Whatever comes back is the exchange or a refusal: never 0x80 / 0x83 (the gate's internal-error codes).
      const answer = await c.nothingWithin((p) => p.cmd === 'connack' || p.cmd === 'disconnect' || p.cmd === 'auth', 300)
      if (answer) expect([0x80, 0x83], `input ${i}: ${body.toString('hex')}`).not.toContain(answer.reasonCode)
      c.destroy()
    }
    await stillServes(b.urls.mqtt!)
  }, 60_000)
})

/** A small deterministic generator: rnd(n) is an integer in [0, n). */
function seeded(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1
  return (n) => {
    x ^= x << 13; x >>>= 0
    x ^= x >>> 17
    x ^= x << 5; x >>>= 0
    return x % n
  }
}

function encodeAuth(reasonCode: number, method: string, data?: string): Buffer {
  const props: number[] = [0x15, 0, method.length, ...Buffer.from(method)]
  if (data !== undefined) props.push(0x16, 0, data.length, ...Buffer.from(data))
  const body = [reasonCode, props.length, ...props]
  return Buffer.from([0xf0, body.length, ...body])
}

describe('aws-iot-core: no enhanced authentication [M5-NO-AUTH-PACKET]', () => {
  it('refuses HX-CHALLENGE like any method (CONNACK 0x8C, no AUTH) and answers an AUTH with DISCONNECT 0x82', async () => {
    const b = await broker()
    const c = await raw(b.urls.mqtt!, 5)
    c.send({ cmd: 'connect', protocolVersion: 5, protocolId: 'MQTT', clientId: uid('auth'), clean: true, keepalive: 60, properties: { authenticationMethod: METHOD } } as RawPacket)
    expect((await c.next((p) => p.cmd === 'connack' || p.cmd === 'auth', 3000, 'CONNACK')).reasonCode).toBe(0x8c)
    const plain = await raw(b.urls.mqtt!, 5)
    await plain.connect({ clientId: uid('auth') })
    plain.send({ cmd: 'auth', reasonCode: 0x19, properties: { authenticationMethod: METHOD } } as RawPacket)
    expect((await plain.next((p) => p.cmd === 'disconnect', 3000, 'DISCONNECT')).reasonCode).toBe(0x82)
  })
})
