import { afterEach, describe, expect, it, vi } from 'vitest'
import fc from 'fast-check'
import { ByteBudget } from '../byte-budget.js'
import type { RawMqttClient } from '../../runners/index.js'
import { broker, client, collect, rawConnected } from './helpers.js'

const KIB = 1024
const RATE = 512 * KIB
const PAYLOAD = 128 * KIB

/** Most arrivals in any window of `ms` starting at an arrival. */
function mostInWindow(times: number[], ms: number): number {
  const sorted = [...times].sort((a, b) => a - b)
  let most = 0
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (j < sorted.length && sorted[j]! - sorted[i]! < ms) j++
    most = Math.max(most, j - i)
  }
  return most
}

/** Sends `n` QoS 1 publishes at once and returns the arrival time of each PUBACK, all within `ms`. */
async function burst(c: RawMqttClient, topic: string, n: number, ms: number): Promise<number[]> {
  const times: number[] = []
  c.observe((e) => { if (e.type === 'packet' && e.packet.cmd === 'puback') times.push(Date.now()) })
  for (let i = 1; i <= n; i++) c.send({ cmd: 'publish', topic, payload: Buffer.alloc(PAYLOAD, i), qos: 1, messageId: i })
  const deadline = Date.now() + ms
  for (let i = 1; i <= n; i++) {
    const ack = await c.next((p) => p.cmd === 'puback' && p.messageId === i, Math.max(1, deadline - Date.now()), `PUBACK ${i}`)
    expect(ack.reasonCode ?? 0).toBe(0)
  }
  return times
}

/** A broker, a subscriber collecting `topic` at QoS 1, and a raw MQTT 5 publisher. */
async function bulkPair(options: Parameters<typeof broker>[0] = {}, topic = 'bulk/t') {
  const b = await broker(options)
  const sub = await client(b.urls.mqtt!)
  const got = collect(sub)
  await sub.subscribeAsync(topic, { qos: 1 })
  const { c } = await rawConnected(b.urls.mqtt!, 5)
  return { b, got, c }
}

describe('throughput per connection [LIM-THROUGHPUT-512KIB]', () => {
  it('delays 12 x 128 KiB from one publisher to one subscriber over more than 2 s; none is dropped', async () => {
    const { got, c } = await bulkPair()
    const started = Date.now()
    const acks = await burst(c, 'bulk/t', 12, 8000)
    const messages = await got.waitFor(12, 8000)
    expect(messages.map((m) => m.payload[0])).toEqual(Array.from({ length: 12 }, (_, i) => i + 1))
    expect(messages.every((m) => m.payload.length === PAYLOAD)).toBe(true)
    const at = messages.map((m) => m.at)
    // 1.5 MiB at 512 KiB/s, a quarter second's burst: about 2.75 s.
    expect(at[11]! - started).toBeGreaterThanOrEqual(2000)
    expect(acks[11]! - started).toBeGreaterThanOrEqual(2000)
    expect(mostInWindow(at, 1000)).toBeLessThanOrEqual(5)
    expect(c.isClosed).toBe(false)
  })

  it('delays what one connection reads, with nobody subscribed (PUBACKs spread over more than 2 s)', async () => {
    const b = await broker()
    const { c } = await rawConnected(b.urls.mqtt!, 4)
    const started = Date.now()
    const acks = await burst(c, 'nobody/t', 12, 8000)
    expect(acks[11]! - started).toBeGreaterThanOrEqual(2000)
    expect(mostInWindow(acks, 1000)).toBeLessThanOrEqual(5)
  })

  it('delays what one connection is sent: 12 publishers of one 128 KiB message each, one subscriber', async () => {
    const b = await broker()
    const sub = await client(b.urls.mqtt!, { protocolVersion: 4 })
    const got = collect(sub)
    await sub.subscribeAsync('fan/in', { qos: 1 })
    const pubs = await Promise.all(Array.from({ length: 12 }, () => rawConnected(b.urls.mqtt!, 5)))
    const started = Date.now()
    pubs.forEach(({ c }, i) => c.send({ cmd: 'publish', topic: 'fan/in', payload: Buffer.alloc(PAYLOAD, i + 1), qos: 1, messageId: 1 }))
    // Each publisher is within its own budget: every PUBACK comes at once.
    await Promise.all(pubs.map(({ c }) => c.next((p) => p.cmd === 'puback', 2000, 'PUBACK')))
    expect(Date.now() - started).toBeLessThan(1500)
    const messages = await got.waitFor(12, 8000)
    expect(new Set(messages.map((m) => m.payload[0])).size).toBe(12)
    expect(messages[11]!.at - started).toBeGreaterThanOrEqual(2000)
    // A quarter second's burst plus the frame that goes into debt, then one every 250 ms.
    expect(mostInWindow(messages.map((m) => m.at), 1000)).toBeLessThanOrEqual(6)
  })

  it('a small message on a throttled connection still gets through (delayed, not dropped), and the connection stays usable', async () => {
    const { got, c } = await bulkPair({}, 'mix/#')
    for (let i = 1; i <= 6; i++) c.send({ cmd: 'publish', topic: 'mix/big', payload: Buffer.alloc(PAYLOAD, i), qos: 1, messageId: i })
    c.send({ cmd: 'publish', topic: 'mix/small', payload: Buffer.from('last'), qos: 1, messageId: 7 })
    c.send({ cmd: 'pingreq' })
    await c.next((p) => p.cmd === 'pingresp', 5000, 'PINGRESP')
    const messages = await got.waitFor(7, 5000)
    expect(messages.map((m) => m.topic)).toEqual([...Array(6).fill('mix/big'), 'mix/small'])
  })

  it('with the throughput-unlimited deviation the same 12 x 128 KiB arrive in well under a second', async () => {
    const { got, c } = await bulkPair({ deviations: ['throughput-unlimited'] })
    const started = Date.now()
    await burst(c, 'bulk/t', 12, 5000)
    const messages = await got.waitFor(12, 5000)
    expect(messages[11]!.at - started).toBeLessThan(1000)
  })

  it('the mqtt-5 profile has no throughput limit', async () => {
    const { got, c } = await bulkPair({ profile: 'mqtt-5' })
    const started = Date.now()
    await burst(c, 'bulk/t', 12, 5000)
    await got.waitFor(12, 5000)
    expect(Date.now() - started).toBeLessThan(1000)
  })
})

describe('ByteBudget', () => {
  afterEach(() => { vi.useRealTimers() })

  /**
   * A caller that honours the budget: a unit goes when no wait is pending, then
   * waits waitMs() if take() said the bucket is in debt. Returns when each unit went.
   */
  function drive(rate: number, units: { bytes: number; gap: number }[]): number[] {
    let now = 1_000_000
    const budget = new ByteBudget(rate, () => now)
    let readyAt = now
    const sent: number[] = []
    for (const u of units) {
      now = Math.max(now + u.gap, readyAt)
      sent.push(now)
      readyAt = budget.take(u.bytes) ? now : now + budget.waitMs()
    }
    return sent
  }

  it('carries at most 1.25 x the rate plus one unit in any 1 s window, and the rate in the long run', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1024, max: 1024 * 1024 }),
      fc.array(fc.record({ bytes: fc.integer({ min: 1, max: 65536 }), gap: fc.integer({ min: 0, max: 300 }) }), { minLength: 1, maxLength: 400 }),
      (rate, units) => {
        const sent = drive(rate, units)
        const maxUnit = Math.max(...units.map((u) => u.bytes))
        for (let i = 0; i < sent.length; i++) {
          let bytes = 0
          for (let j = i; j < sent.length && sent[j]! - sent[i]! < 1000; j++) bytes += units[j]!.bytes
          expect(bytes).toBeLessThanOrEqual(1.25 * rate + maxUnit)
        }
        // Everything but the last unit was paid for by the time the last one went.
        const total = units.slice(0, -1).reduce((s, u) => s + u.bytes, 0)
        expect(total).toBeLessThanOrEqual(rate / 4 + (sent.at(-1)! - sent[0]!) * rate / 1000 + 1)
      },
    ))
  })

  it('never delays a stream below the rate', () => {
    const units = Array.from({ length: 2000 }, () => ({ bytes: 8192, gap: 20 })) // 400 KiB/s against 512 KiB/s
    const sent = drive(RATE, units)
    expect(sent.at(-1)! - sent[0]!).toBe(20 * 1999)
  })

  it('lets a quarter second through at once, then paces at the rate', () => {
    const units = Array.from({ length: 48 }, () => ({ bytes: 32 * KIB, gap: 0 })) // 1.5 MiB at once
    const sent = drive(RATE, units)
    expect(sent.filter((t) => t === sent[0]).length).toBe(5) // 128 KiB of credit, the fifth unit goes into debt
    // The other 43 units, 32 KiB each, at 512 KiB/s: 62.5 ms apart.
    expect(sent.at(-1)! - sent[0]!).toBeGreaterThanOrEqual(2680)
    expect(sent.at(-1)! - sent[0]!).toBeLessThanOrEqual(2720)
  })
})
