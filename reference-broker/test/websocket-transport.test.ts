import WebSocket from 'ws'
import mqttPacket from 'mqtt-packet'
import { afterEach, describe, expect, it } from 'vitest'
import { broker, raw, uid } from './helpers.js'
import type { RawMqttClient } from '../../runners/index.js'

const sockets: WebSocket[] = []
afterEach(() => { for (const s of sockets.splice(0)) s.terminate() })

/** A WebSocket to the broker offering `protocols`, open within 3 s. */
async function open(url: string, protocols: string[]): Promise<WebSocket> {
  const ws = new WebSocket(url, protocols)
  sockets.push(ws)
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no WebSocket handshake within 3 s')), 3000)
    ws.once('open', () => { clearTimeout(t); resolve() })
    ws.once('error', (e) => { clearTimeout(t); reject(e) })
  })
  return ws
}

/** The close code of the WebSocket, or 'open' when it is still open after `ms`. */
function closeCode(ws: WebSocket, ms: number): Promise<number | 'open'> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve('open'), ms)
    ws.once('close', (code) => { clearTimeout(t); resolve(code) })
  })
}

/** A CONNECT whose bytes are all ASCII, so a text frame carrying it is valid UTF-8. */
const asciiConnect = (version: 4 | 5) => mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: version, clean: true, keepalive: 60, clientId: uid('ws').replace(/[^a-z0-9-]/g, '') })

/** PINGRESPs received so far, once the SUBACK of a SUBSCRIBE sent after them is in (the broker answers in order). */
async function pingrespsBefore(c: RawMqttClient, messageId: number): Promise<number> {
  c.sendFrames(c.encode({ cmd: 'subscribe', messageId, subscriptions: [{ topic: 'ws/sentinel', qos: 0 }] }), {})
  await c.next((p) => p.cmd === 'suback' && p.messageId === messageId, 3000, 'SUBACK')
  return c.received.filter((p) => p.cmd === 'pingresp').length
}

describe('MQTT over WebSocket (section 6)', () => {
  it('selects the subprotocol mqtt when offered [MQTT-6.0.0-4], mqttv3.1 for MQTT 3.1 clients', async () => {
    const b = await broker()
    expect((await open(b.urls.ws!, ['mqtt'])).protocol).toBe('mqtt')
    expect((await open(b.urls.ws!, ['other', 'mqtt'])).protocol).toBe('mqtt')
    expect((await open(b.urls.ws!, ['mqttv3.1'])).protocol).toBe('mqttv3.1')
  })

  it.each([4, 5] as const)('closes on a text frame with 1003, without reading it [MQTT-6.0.0-1] (version %s)', async (version) => {
    const b = await broker()
    const ws = await open(b.urls.ws!, ['mqtt'])
    const received: Buffer[] = []
    ws.on('message', (data: Buffer) => received.push(data))
    ws.send(asciiConnect(version), { binary: false })
    expect(await closeCode(ws, 3000)).toBe(1003)
    expect(received).toEqual([])
  })

  it.each([4, 5] as const)('reads binary frames as one stream: a CONNECT a byte per frame, two PINGREQs in one frame, one across two [MQTT-6.0.0-2] (version %s)', async (version) => {
    const b = await broker()
    const c = await raw(b.urls.ws!, version)
    const connect = asciiConnect(version)
    c.sendFrames(connect, { split: connect.length })
    expect((await c.next((p) => p.cmd === 'connack', 3000, 'CONNACK')).cmd).toBe('connack')
    c.sendFrames(Buffer.from('c000c000c0', 'hex'), { split: [4] })
    c.sendFrames(Buffer.from('00', 'hex'), {})
    expect(await pingrespsBefore(c, 9)).toBe(3)
  })

  describe('deviations', () => {
    it('ws-text-frames-accepted reads a text frame as MQTT bytes', async () => {
      const b = await broker({ deviations: ['ws-text-frames-accepted'] })
      const ws = await open(b.urls.ws!, ['mqtt'])
      const connack = new Promise<Buffer>((resolve) => ws.once('message', resolve))
      ws.send(asciiConnect(5), { binary: false })
      expect((await connack)[0]).toBe(0x20)
    })

    it('ws-subprotocol-not-returned answers the handshake without Sec-WebSocket-Protocol', async () => {
      const b = await broker({ deviations: ['ws-subprotocol-not-returned'] })
      await expect(open(b.urls.ws!, ['mqtt'])).rejects.toThrow(/no subprotocol/)
      // The harness's raw client accepts the answer and records it for expect-handshake.
      expect((await raw(b.urls.ws!, 5)).handshake).toEqual({ subprotocol: null })
    })

    it('ws-frame-aligned-only reads only the first whole packet of each frame', async () => {
      const b = await broker({ deviations: ['ws-frame-aligned-only'] })
      const c = await raw(b.urls.ws!, 5)
      c.sendFrames(asciiConnect(5), {})
      await c.next((p) => p.cmd === 'connack', 3000, 'CONNACK')
      c.sendFrames(Buffer.from('c000c000', 'hex'), {})
      expect(await pingrespsBefore(c, 9)).toBe(1)
    })
  })

  it('the harness\'s raw client records the subprotocol the broker selected', async () => {
    const b = await broker()
    expect((await raw(b.urls.ws!, 5)).handshake).toEqual({ subprotocol: 'mqtt' })
  })
})
