import net from 'node:net'
import { describe, expect, it } from 'vitest'
import { broker, client, collect, uid } from './helpers.js'

/**
 * Inputs that once killed the whole broker process (issue 10), each over a
 * real socket: the answer the protocol gives, and a client connected before
 * and one connected after that notice nothing.
 */

interface Exchange { bytes: Buffer; closed: boolean }

/**
 * Opens a socket, writes `connect` (if any) and, once its CONNACK is back, the `then` chunks;
 * collects what comes back until the close, until `stopAfter` bytes arrived, or the deadline.
 */
function exchange(url: string, step: { connect?: string; then: string[]; stopAfterBytes?: number }, ms = 3000): Promise<Exchange> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve) => {
    const got: Buffer[] = []
    let total = 0
    let sentRest = false
    const socket = net.connect(Number(port), hostname)
    const finish = (closed: boolean) => { clearTimeout(timer); socket.destroy(); resolve({ bytes: Buffer.concat(got), closed }) }
    const timer = setTimeout(() => finish(false), ms)
    const sendRest = () => { sentRest = true; for (const c of step.then) socket.write(Buffer.from(c, 'hex')) }
    socket.on('connect', () => { if (step.connect) socket.write(Buffer.from(step.connect, 'hex')); else sendRest() })
    socket.on('data', (d) => {
      got.push(d)
      total += d.length
      if (!sentRest) sendRest()
      else if (step.stopAfterBytes !== undefined && total >= step.stopAfterBytes) finish(false)
    })
    socket.on('error', () => {})
    socket.on('close', () => finish(true))
  })
}

/** Splits a byte stream into packets: [type, first body byte after the fixed header]. */
function packets(bytes: Buffer): { type: number; body: Buffer }[] {
  const out: { type: number; body: Buffer }[] = []
  let i = 0
  while (i < bytes.length) {
    let len = 0
    let mul = 1
    let j = i + 1
    for (;;) {
      const b = bytes[j++]!
      len += (b & 0x7f) * mul
      mul *= 128
      if ((b & 0x80) === 0) break
    }
    out.push({ type: bytes[i]! >> 4, body: bytes.subarray(j, j + len) })
    i = j + len
  }
  return out
}

const CONNECT_311_A = '100d00044d5154540402001e000161' // 3.1.1, clean session, client id "a"
const CONNECT_5_A = '100e00044d5154540502001e00000161' // 5, Clean Start, client id "a"

async function healthy(url: string): Promise<void> {
  const topic = `healthy/${uid()}`
  const sub = await client(url, { protocolVersion: 5 })
  const got = collect(sub)
  await sub.subscribeAsync(topic, { qos: 1 })
  const pub = await client(url)
  await pub.publishAsync(topic, 'still here', { qos: 1 })
  const [m] = await got.waitFor(1)
  expect(m!.payload.toString()).toBe('still here')
}

const CASES: { name: string; step: { connect?: string; then: string[]; stopAfterBytes?: number }; expect: (p: { type: number; body: Buffer }[], closed: boolean) => void }[] = [
  {
    name: '3.1.1 CONNECT, empty client id, clean session 0 → CONNACK 0x02 [MQTT-3.1.3-8]',
    step: { then: ['100c00044d5154540400001e0000'] },
    expect: (p, closed) => { expect(p[0]).toMatchObject({ type: 2 }); expect(p[0]!.body[1]).toBe(0x02); expect(closed).toBe(true) },
  },
  {
    name: '3.1 (MQIsdp) CONNECT, empty client id → CONNACK 0x02',
    step: { then: ['100e00064d514973647003', '02001e0000'] },
    expect: (p, closed) => { expect(p[0]!.type).toBe(2); expect(p[0]!.body[1]).toBe(0x02); expect(closed).toBe(true) },
  },
  {
    name: 'MQTT 5 CONNECT, empty client id, Clean Start 0 → accepted with an Assigned Client Identifier, Session Present 0 [MQTT-3.1.3-6]',
    step: { then: ['100d00044d5154540500001e000000'], stopAfterBytes: 3 },
    expect: (p) => {
      expect(p[0]!.type).toBe(2)
      expect(p[0]!.body[0]).toBe(0) // Session Present 0
      expect(p[0]!.body[1]).toBe(0) // Success
      expect(p[0]!.body.includes(Buffer.from([0x12]))).toBe(true) // Assigned Client Identifier property
    },
  },
  {
    name: 'MQTT 5 CONNECT whose user property has no readable value → CONNACK 0x81',
    step: { then: ['101400044d5154540502001e062600016b00ff000161'] },
    expect: (p, closed) => { expect(p[0]!.type).toBe(2); expect(p[0]!.body[1]).toBe(0x81); expect(closed).toBe(true) },
  },
  {
    name: '3.1.1 SUBSCRIBE without a topic filter → close [MQTT-3.8.3-3]',
    step: { connect: CONNECT_311_A, then: ['82020001'] },
    expect: (p, closed) => { expect(p.map((x) => x.type)).toEqual([2]); expect(closed).toBe(true) },
  },
  {
    name: 'MQTT 5 SUBSCRIBE without a topic filter → DISCONNECT 0x82 [MQTT-3.8.3-3]',
    step: { connect: CONNECT_5_A, then: ['8203000100'] },
    expect: (p, closed) => { expect(p.map((x) => x.type)).toEqual([2, 14]); expect(p[1]!.body[0]).toBe(0x82); expect(closed).toBe(true) },
  },
  {
    name: '3.1.1 UNSUBSCRIBE without a topic filter → close [MQTT-3.10.3-2]',
    step: { connect: CONNECT_311_A, then: ['a2020001'] },
    expect: (p, closed) => { expect(p.map((x) => x.type)).toEqual([2]); expect(closed).toBe(true) },
  },
  {
    name: 'MQTT 5 UNSUBSCRIBE without a topic filter → DISCONNECT 0x82 [MQTT-3.10.3-2]',
    step: { connect: CONNECT_5_A, then: ['a203000100'] },
    expect: (p, closed) => { expect(p.map((x) => x.type)).toEqual([2, 14]); expect(p[1]!.body[0]).toBe(0x82); expect(closed).toBe(true) },
  },
  {
    name: 'MQTT 5 DISCONNECT with Session Expiry Interval twice (persistent session) → DISCONNECT 0x82 [MQTT-2.2.2-2]',
    step: { connect: '101300044d5154540500001e05110000000a000161', then: ['e00c000a110000000a110000000a'] },
    expect: (p, closed) => { expect(p.map((x) => x.type)).toEqual([2, 14]); expect(p[1]!.body[0]).toBe(0x82); expect(closed).toBe(true) },
  },
]

describe('inputs that once killed the broker get the protocol answer; nobody else notices', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const b = await broker()
      // A client connected before the bad input keeps its connection and its subscription.
      const before = await client(b.urls.mqtt!, { protocolVersion: 5 })
      const beforeGot = collect(before)
      const topic = `before/${uid()}`
      await before.subscribeAsync(topic, { qos: 1 })
      const result = await exchange(b.urls.mqtt!, c.step)
      c.expect(packets(result.bytes), result.closed)
      expect(before.connected).toBe(true)
      await before.publishAsync(topic, 'after the bad input', { qos: 1 })
      await beforeGot.waitFor(1)
      await healthy(b.urls.mqtt!)
    })
  }

  it('the same inputs over and over on one broker: it still accepts connections after all of them', async () => {
    const b = await broker({ overrides: { mqtt: { connectsPerSecondPerClientId: 0 } } })
    for (let round = 0; round < 3; round++) {
      await Promise.all(CASES.map((c) => exchange(b.urls.mqtt!, c.step, 1500)))
    }
    await healthy(b.urls.mqtt!)
  })
})
