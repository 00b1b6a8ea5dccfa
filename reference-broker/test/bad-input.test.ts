import { writeFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import net from 'node:net'
import { describe, expect, it } from 'vitest'
import { broker, client, collect, raw, rawConnected, uid, until } from './helpers.js'
import { loadProfile, ProfileInvalidError } from '../index.js'

/** A client that keeps working proves a bad neighbour did not disturb the broker. */
async function stillServes(url: string): Promise<void> {
  const c = await client(url)
  const got = collect(c)
  await c.subscribeAsync('health/x', { qos: 1 })
  await c.publishAsync('health/x', 'ok', { qos: 1 })
  await got.waitFor(1)
}

describe('malformed, oversized and out-of-order packets', () => {
  it('MQTT 5: malformed bytes after CONNACK get DISCONNECT 0x81; other clients unaffected', async () => {
    const b = await broker()
    const bystander = await client(b.urls.mqtt!)
    const { c } = await rawConnected(b.urls.mqtt!, 5)
    // SUBSCRIBE with reserved header flags 0000 (must be 0010) [MQTT-2.2.2-2]
    c.sendBytes(Buffer.from([0x80, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x00]))
    expect((await c.waitClosed(3000)).disconnect?.reasonCode).toBe(0x81)
    expect(bystander.connected).toBe(true)
    await stillServes(b.urls.mqtt!)
  })

  it('MQTT 3.1.1: malformed bytes close the connection', async () => {
    const b = await broker()
    const { c } = await rawConnected(b.urls.mqtt!, 4)
    c.sendBytes(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]))
    const closed = await c.waitClosed(3000)
    expect(closed.disconnect).toBeUndefined()
    await stillServes(b.urls.mqtt!)
  })

  it('a packet before CONNECT closes the connection without a reply', async () => {
    const b = await broker()
    const c = await raw(b.urls.mqtt!, 4)
    c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'x', qos: 0 }] })
    await c.waitClosed(3000)
    expect(c.received).toEqual([])
  })

  it('a second CONNECT gets DISCONNECT 0x82 [CONN-DOUBLE-CONNECT]', async () => {
    const b = await broker()
    const { c } = await rawConnected(b.urls.mqtt!, 5)
    c.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: true, keepalive: 60, clientId: uid() })
    expect((await c.waitClosed(3000)).disconnect?.reasonCode).toBe(0x82)
  })

  it('a frame above Maximum Packet Size gets DISCONNECT 0x95 before its body is read [M5-MAX-PACKET-SIZE]', async () => {
    const b = await broker()
    const { c } = await rawConnected(b.urls.mqtt!, 5)
    // Only the fixed header of a 10 MB PUBLISH: the broker must decide from the declared length.
    const remaining = 10 * 1024 * 1024
    const header = [0x30]
    let n = remaining
    do { let byte = n % 128; n = Math.floor(n / 128); if (n > 0) byte |= 0x80; header.push(byte) } while (n > 0)
    c.sendBytes(Buffer.from(header))
    expect((await c.waitClosed(3000)).disconnect?.reasonCode).toBe(0x95)
  })

  it('an AUTH packet is refused (enhanced authentication is not supported) [M5-NO-AUTH-PACKET]', async () => {
    const b = await broker()
    const c = await raw(b.urls.mqtt!, 5)
    const connack = await c.connect({ clientId: uid(), properties: { authenticationMethod: 'SCRAM-SHA-1' } })
    expect(connack.reasonCode).toBe(0x8c)
  })

  it('garbage instead of CONNECT closes the socket and the broker keeps serving', async () => {
    const b = await broker()
    const sock = net.connect(b.ports.mqtt!, '127.0.0.1')
    await new Promise<void>((r) => sock.once('connect', () => r()))
    sock.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n')
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('socket still open')), 3000)
      sock.once('close', () => { clearTimeout(t); resolve() })
    })
    await stillServes(b.urls.mqtt!)
  })
})

describe('a client that stops reading (aedes defect 7)', () => {
  async function stalledSubscriber(url: string, qos: 0 | 1) {
    const id = uid('stalled')
    const { c } = await rawConnected(url, 4, { clientId: id })
    c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'flood/t', qos }] })
    await c.next((p) => p.cmd === 'suback', 2000)
    c.stream.pause()
    return id
  }

  it.each([0, 1] as const)('QoS %i: does not stall delivery to other subscribers', async (qos) => {
    const b = await broker({ overrides: { server: { slowClientSoftBytes: 1024 * 1024, slowClientHardBytes: 4 * 1024 * 1024, slowClientStallMs: 0 }, mqtt: { publishesPerSecondPerConnection: 0, outboundInflightMaximum: 1000, throughputBytesPerSecond: 0 } } })
    const stalled = await stalledSubscriber(b.urls.mqtt!, qos)
    const healthy = await client(b.urls.mqtt!)
    const got = collect(healthy)
    await healthy.subscribeAsync('flood/t', { qos })
    const pub = await client(b.urls.mqtt!)
    const payload = Buffer.alloc(64 * 1024, 7)
    // 400 x 64 KiB = 25 MiB: more than loopback's kernel buffers can absorb for the stalled reader.
    // Paced by the healthy reader: each message is published once the previous one reached it, so
    // only the stalled reader falls behind.
    for (let i = 0; i < 400; i++) {
      await pub.publishAsync('flood/t', payload, { qos })
      await got.waitFor(i + 1, 5000)
    }
    await got.waitFor(400, 15_000)
    expect(got.messages).toHaveLength(400)
    if (qos === 1) {
      // Unacknowledged QoS 1 traffic piles up past the hard limit: the broker cuts the reader off
      // (seen from the broker: a paused client socket never reads the FIN).
      await until(() => b.broker.connection(stalled) === undefined, 5000, 'the stalled reader to be disconnected')
    } else {
      // QoS 0 above the soft limit is dropped for that reader only; with the stall rule off
      // (slowClientStallMs 0; slow-readers.test.ts tests it) it stays connected.
      expect(b.broker.connection(stalled)).toBeDefined()
    }
  })
})

describe('a client that reads but never acknowledges QoS 1', () => {
  it('has its held backlog counted as a slow consumer\'s, so the broker holds a bounded amount for it', async () => {
    const b = await broker({ overrides: { server: { slowClientSoftBytes: 64 * 1024, slowClientHardBytes: 256 * 1024 }, mqtt: { publishesPerSecondPerConnection: 0, throughputBytesPerSecond: 0 } } })
    const id = uid('no-ack')
    const { c } = await rawConnected(b.urls.mqtt!, 4, { clientId: id })
    c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'held/t', qos: 1 }] })
    await c.next((p) => p.cmd === 'suback', 2000)
    const pub = await client(b.urls.mqtt!)
    const payload = Buffer.alloc(4 * 1024, 3)
    // 100 in flight (read, never acknowledged), then 100 x 4 KiB held for a slot: 400 KiB > 256 KiB.
    for (let i = 0; i < 200; i++) await pub.publishAsync('held/t', payload, { qos: 1 })
    await until(() => b.broker.connection(id) === undefined, 5000, 'the client that never acknowledges to be disconnected')
    await stillServes(b.urls.mqtt!)
  })
})

describe('profile and config files', () => {
  it('names the file, the field, the line and the problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'prof-'))
    const file = join(dir, 'bad.yaml')
    writeFileSync(file, 'sessions:\n  replayRatePerSecond: fast\nmqtt:\n  nope: 1\n')
    try {
      loadProfile('aws-iot-core', file)
      throw new Error('accepted a bad config')
    } catch (err) {
      expect(err).toBeInstanceOf(ProfileInvalidError)
      const msg = (err as Error).message
      expect(msg).toContain(file)
      expect(msg).toMatch(/sessions\.replayRatePerSecond \(line 2:24\): .*number/i)
      expect(msg).toMatch(/mqtt\.nope \(line 4:\d+\): Unrecognized key/)
    }
  })

  it('reports YAML syntax errors with their position', () => {
    const dir = mkdtempSync(join(tmpdir(), 'prof-'))
    const file = join(dir, 'syntax.yaml')
    writeFileSync(file, 'mqtt:\n  topicAliasMaximum: [1, 2\n')
    expect(() => loadProfile(file)).toThrow(/line \d+:\d+/)
  })

  it('an unknown profile name lists the bundled ones', () => {
    expect(() => loadProfile('aws-iot-cor')).toThrow(/aws-iot-core, mqtt-5, mqtt-3.1.1/)
  })
})
