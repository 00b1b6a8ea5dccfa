import { describe, expect, it } from 'vitest'
import type { MqttClient } from 'mqtt'
import { broker, client, rawConnected, uid, until } from './helpers.js'
import { memoryLogger } from './http-helpers.js'
import type { ProfileOverrides } from '../index.js'
import { isOneQos0Publish } from '../chunked-frame.js'
import { encode } from '../mqtt-codec.js'

const SOFT = 64 * 1024
const STALL_MS = 1000
/** Small limits so a test needs little traffic; quotas lifted so one publisher can flood. */
const overrides: ProfileOverrides = {
  server: { slowClientSoftBytes: SOFT, slowClientHardBytes: 256 * 1024 * 1024, slowClientStallMs: STALL_MS },
  mqtt: { publishesPerSecondPerConnection: 0, throughputBytesPerSecond: 0 },
}

/** A raw 3.1.1 subscriber to `topic` at QoS 0 that has its SUBACK. */
async function subscriber(url: string, topic: string) {
  const id = uid('reader')
  const { c } = await rawConnected(url, 4, { clientId: id })
  c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 0 }] })
  await c.next((p) => p.cmd === 'suback', 2000)
  return { id, c }
}

/** QoS 0 messages of 16 KiB to `topic`, `perTick` every 10 ms (2: about 3 MiB/s), until stop(). */
function flood(pub: MqttClient, topic: string, perTick = 2): { stop(): void } {
  const payload = Buffer.alloc(16 * 1024, 5)
  const t = setInterval(() => { for (let i = 0; i < perTick; i++) pub.publish(topic, payload, { qos: 0 }) }, 10)
  return { stop: () => clearInterval(t) }
}

describe('slow readers: the stall rule (soft bytes AND time without progress), aggregated drop logs', () => {
  it('a subscriber that stops reading is cut off once over the soft limit without progress for the stall time, with a log line saying why', async () => {
    const { logger, lines } = memoryLogger()
    const b = await broker({ overrides, logger })
    const topic = `stall/${uid()}`
    const { id, c } = await subscriber(b.urls.mqtt!, topic)
    c.stream.pause()
    // Time alone is not enough: nothing waits for it, so it stays connected past the stall time.
    await new Promise((r) => setTimeout(r, STALL_MS * 1.5))
    expect(b.broker.connection(id)).toBeDefined()
    const pub = await client(b.urls.mqtt!)
    const floodAt = Date.now()
    const f = flood(pub, topic)
    try {
      await until(() => b.broker.connection(id) === undefined, 15_000, 'the non-reader to be cut off')
    } finally {
      f.stop()
    }
    // Bytes alone are not enough either: it was over the soft limit for the stall time first.
    expect(Date.now() - floodAt).toBeGreaterThanOrEqual(STALL_MS)
    const why = lines.find((l) => l.event === 'rejected' && l.clientId === id)
    expect(why).toMatchObject({ reason: 'slow-consumer', rule: 'stalled' })
    expect(why!.backlogBytes).toBeGreaterThan(SOFT)
    expect(why!.stalledMs).toBeGreaterThanOrEqual(STALL_MS)
    expect(lines.find((l) => l.event === 'drop' && l.clientId === id)?.count).toBeGreaterThan(0)
    expect(lines.find((l) => l.event === 'disconnect' && l.clientId === id)?.reason).toBe('slow-consumer')
  })

  it('a reader that is slow but keeps reading is not cut off (its QoS 0 overflow is dropped), and drops are logged as one summary per second', async () => {
    const { logger, lines } = memoryLogger()
    // Progress is seen through the kernel's socket buffers, which free space in bursts: a longer stall time.
    const b = await broker({ overrides: { ...overrides, server: { ...overrides.server, slowClientStallMs: 3000 } }, logger })
    const topic = `slow/${uid()}`
    const { id, c } = await subscriber(b.urls.mqtt!, topic)
    // Reads one chunk every 50 ms: less than the flood (about 6 MiB/s), but never stops.
    c.stream.pause()
    let reads = 0
    const reader = setInterval(() => {
      c.stream.once('data', () => { reads++; c.stream.pause() })
      c.stream.resume()
    }, 50)
    const pub = await client(b.urls.mqtt!)
    const started = Date.now()
    const f = flood(pub, topic, 4)
    try {
      await until(() => lines.some((l) => l.event === 'drop' && l.clientId === id), 10_000, 'drops for the slow reader')
      const firstDropAt = Date.now()
      // Two stall times over the soft limit while it reads.
      while (Date.now() - firstDropAt < 2 * 3000) {
        expect({ connected: b.broker.connection(id) !== undefined, rejected: lines.find((l) => l.event === 'rejected' && l.clientId === id), reads }).toMatchObject({ connected: true, rejected: undefined })
        await new Promise((r) => setTimeout(r, 50))
      }
    } finally {
      f.stop()
      clearInterval(reader)
    }
    expect(b.broker.connection(id)).toBeDefined()
    expect(reads).toBeGreaterThan(10)
    expect(lines.some((l) => l.event === 'rejected' && l.clientId === id)).toBe(false)
    // Aggregated: per second at most one line per reason, each with a count; many more messages than lines.
    c.destroy()
    await until(() => b.broker.connection(id) === undefined, 5000, 'the reader to close')
    const drops = lines.filter((l) => l.event === 'drop' && l.clientId === id)
    const dropped = drops.reduce((n, l) => n + l.count, 0)
    const seconds = (Date.now() - started) / 1000
    expect(drops.every((l) => typeof l.count === 'number' && l.count > 0 && l.reason === 'slow consumer: QoS 0 dropped')).toBe(true)
    expect(drops.length).toBeLessThanOrEqual(Math.ceil(seconds) + 1)
    expect(dropped).toBeGreaterThan(drops.length * 20)
  })

  it('the hard limit still cuts off at once, before the stall time (rule hard-bytes)', async () => {
    const { logger, lines } = memoryLogger()
    const b = await broker({ overrides: { ...overrides, server: { slowClientSoftBytes: SOFT, slowClientHardBytes: 128 * 1024, slowClientStallMs: 60_000 }, mqtt: { ...overrides.mqtt, outboundInflightMaximum: 65535 } }, logger })
    const topic = `hard/${uid()}`
    const id = uid('hard')
    const { c } = await rawConnected(b.urls.mqtt!, 4, { clientId: id })
    c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 1 }] })
    await c.next((p) => p.cmd === 'suback', 2000)
    c.stream.pause()
    const pub = await client(b.urls.mqtt!)
    const payload = Buffer.alloc(16 * 1024, 5)
    const t = setInterval(() => { for (let i = 0; i < 2; i++) pub.publish(topic, payload, { qos: 1 }) }, 10)
    try {
      await until(() => b.broker.connection(id) === undefined, 15_000, 'the QoS 1 non-reader to be cut off')
    } finally {
      clearInterval(t)
    }
    expect(lines.find((l) => l.event === 'rejected' && l.clientId === id)).toMatchObject({ reason: 'slow-consumer', rule: 'hard-bytes' })
  })

  it('isOneQos0Publish: one whole QoS 0 PUBLISH in any split, nothing else', () => {
    const frame = (qos: 0 | 1, size: number) => encode({ cmd: 'publish', topic: 'a/b', payload: Buffer.alloc(size, 1), qos, messageId: qos ? 7 : undefined, retain: false, dup: false } as never, 4)
    const split = (b: Buffer, at: number[]) => [0, ...at, b.length].slice(1).map((end, i, ends) => b.subarray(i === 0 ? 0 : ends[i - 1]!, end))
    for (const size of [0, 100, 200, 20_000, 3_000_000]) {
      const f = frame(0, size)
      expect(isOneQos0Publish([f])).toBe(true)
      expect(isOneQos0Publish(split(f, [1, 2, 3]))).toBe(true) // header byte, length bytes split across pieces
      expect(isOneQos0Publish([f.subarray(0, f.length - 1)])).toBe(false) // incomplete
      expect(isOneQos0Publish([f, frame(0, 1)])).toBe(false) // two frames
    }
    expect(isOneQos0Publish([frame(1, 10)])).toBe(false)
    expect(isOneQos0Publish([encode({ cmd: 'pingresp' } as never, 4)])).toBe(false)
    expect(isOneQos0Publish([])).toBe(false)
  })
})

