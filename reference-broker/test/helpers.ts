import mqtt, { type MqttClient, type IClientOptions } from 'mqtt'
import { afterEach } from 'vitest'
import { startReferenceBroker, type ReferenceBroker, type ReferenceBrokerOptions } from '../index.js'
import { RawMqttClient, type RawPacket } from '../../runners/index.js'

let counter = 0
/** A client id unique within the test process (so parallel tests never collide). */
export function uid(prefix = 'c'): string {
  return `${prefix}-${process.pid}-${++counter}-${Math.random().toString(36).slice(2, 7)}`
}

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  while (cleanups.length) {
    const f = cleanups.pop()!
    try { await f() } catch { /* already closed */ }
  }
})

/** Starts a broker for this test; closed after it. */
export async function broker(options: ReferenceBrokerOptions = {}): Promise<ReferenceBroker> {
  const b = await startReferenceBroker({ logLevel: 'silent', ...options })
  cleanups.push(() => b.close())
  return b
}

const connacks = new WeakMap<MqttClient, mqtt.IConnackPacket>()
/** The CONNACK an MQTT.js client from `client()` received. */
export function connackOf(c: MqttClient): mqtt.IConnackPacket {
  const p = connacks.get(c)
  if (!p) throw new Error('no CONNACK recorded for this client')
  return p
}

/** An MQTT.js client, connected (CONNACK received) within a deadline; ended after the test. */
export async function client(url: string, opts: IClientOptions = {}): Promise<MqttClient> {
  const c = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, clientId: uid(), ...opts })
  cleanups.push(() => { c.end(true) })
  await new Promise<void>((resolve, reject) => {
    c.once('connect', (connack) => { connacks.set(c, connack); resolve() })
    c.once('error', reject)
    c.once('close', () => reject(new Error('closed before CONNACK')))
  })
  return c
}

/** A raw client with its transport open (no CONNECT sent yet); destroyed after the test. */
export async function raw(url: string, version: 3 | 4 | 5 = 5): Promise<RawMqttClient> {
  const c = await RawMqttClient.open(url, { version })
  cleanups.push(() => c.destroy())
  return c
}

/** A raw client that has connected (CONNACK success expected). */
export async function rawConnected(url: string, version: 4 | 5, connect: Partial<RawPacket> = {}): Promise<{ c: RawMqttClient; connack: RawPacket }> {
  const c = await raw(url, version)
  const connack = await c.connect({ clientId: uid('raw'), protocolVersion: version, ...connect })
  return { c, connack }
}

/** Collects messages a client receives; `waitFor(n)` resolves when n arrived or rejects at the deadline. */
export function collect(c: MqttClient) {
  const messages: { topic: string; payload: Buffer; packet: mqtt.IPublishPacket; at: number }[] = []
  let notify: (() => void) | null = null
  c.on('message', (topic, payload, packet) => {
    messages.push({ topic, payload, packet, at: Date.now() })
    notify?.()
  })
  return {
    messages,
    async waitFor(n: number, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs
      while (messages.length < n) {
        const left = deadline - Date.now()
        if (left <= 0) throw new Error(`expected ${n} messages within ${timeoutMs} ms, got ${messages.length}`)
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left)
          notify = () => { clearTimeout(t); notify = null; resolve() }
        })
      }
      return messages
    },
  }
}

/** Resolves when the client closes; rejects at the deadline. */
export function closedWithin(c: MqttClient, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!c.connected && (c as unknown as { disconnected?: boolean }).disconnected) return resolve()
    const t = setTimeout(() => reject(new Error(`still connected after ${ms} ms`)), ms)
    c.once('close', () => { clearTimeout(t); resolve() })
  })
}

/** Waits until `cond()` is true, polling; rejects at the deadline. For state that has no event. */
export async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}
