import net from 'node:net'
import tls from 'node:tls'
import type { Duplex } from 'node:stream'
import mqtt from 'mqtt-packet'
import WebSocket, { createWebSocketStream } from 'ws'
import { describeBytes } from './describe-bytes.js'
import { splitFrames, type FramePlan } from './frame-plan.js'
import { FrameSplitter } from './wire-rules.js'

export type RawPacket = Record<string, any> & { cmd: string }

export interface RawConnectOptions {
  /** MQTT protocol version used to encode and decode (3 = 3.1, 4 = 3.1.1, 5). */
  version?: 3 | 4 | 5
  /** TLS options when the URL is mqtts:// or wss://. */
  tls?: tls.ConnectionOptions
  /** Deadline for the transport to connect. */
  timeoutMs?: number
}

export interface CloseInfo {
  /** Milliseconds from the client's creation to the close. */
  atMs: number
  /** The DISCONNECT the server sent before closing, if any. */
  disconnect?: RawPacket
  error?: string
}

/** What `observe` reports. */
export type RawClientEvent =
  | { type: 'packet'; packet: RawPacket; frame?: Buffer }
  | { type: 'protocol-error'; message: string; bytes: string }
  | { type: 'closed'; info: CloseInfo }

/** What the server answered to the WebSocket opening handshake. */
export interface WebSocketHandshake {
  /** Sec-WebSocket-Protocol of the 101 response; null when absent. */
  subprotocol: string | null
}

/** A deadline expired while waiting for something from the server. */
export class WaitTimeoutError extends Error {
  constructor(what: string, ms: number, readonly seen: RawPacket[]) {
    super(`no ${what} within ${ms} ms`)
    this.name = 'WaitTimeoutError'
  }
}

/**
 * An MQTT client that sends exactly what it is told, including what a
 * well-behaved library refuses to send (QoS 2 to an AWS broker, topic aliases
 * above the maximum, malformed bytes), and records every packet it receives.
 * Every wait has a deadline.
 */
export class RawMqttClient {
  readonly received: RawPacket[] = []
  readonly createdAt = Date.now()
  closeInfo: CloseInfo | null = null
  readonly closed: Promise<CloseInfo>
  private readonly parser: ReturnType<typeof mqtt.parser>
  private waiters: (() => void)[] = []
  private lastDisconnect: RawPacket | undefined
  private protocolError: string | undefined
  private readonly observers: ((event: RawClientEvent) => void)[] = []
  /** The chunk being parsed, so a protocol error can show the bytes that caused it. */
  private chunk: Buffer = Buffer.alloc(0)
  /** The bytes of each received frame not yet matched with its decoded packet (frames and packets come in the same order). */
  private readonly frames: Buffer[] = []
  private readonly splitter = new FrameSplitter()
  /** The first bytes the server sent (at most 256), whatever they were. */
  head: Buffer = Buffer.alloc(0)

  private constructor(readonly stream: Duplex, public version: 3 | 4 | 5, private readonly ws?: WebSocket, readonly handshake?: WebSocketHandshake) {
    this.parser = mqtt.parser({ protocolVersion: version })
    this.parser.on('packet', (p: RawPacket) => {
      if (p.cmd === 'disconnect') this.lastDisconnect = p
      this.received.push(p)
      const frame = this.frames.shift()
      for (const o of this.observers) o({ type: 'packet', packet: p, ...(frame ? { frame } : {}) })
      this.wake()
    })
    this.parser.on('error', (e: Error) => {
      this.protocolError = e.message
      const bytes = describeBytes(this.chunk)
      for (const o of this.observers) o({ type: 'protocol-error', message: e.message, bytes })
      this.wake()
    })
    let resolveClosed!: (c: CloseInfo) => void
    this.closed = new Promise((r) => { resolveClosed = r })
    stream.on('data', (buf: Buffer) => {
      if (this.head.length < 256) this.head = Buffer.concat([this.head, buf]).subarray(0, 256)
      this.chunk = buf
      this.frames.push(...this.splitter.push(buf))
      this.parser.parse(buf)
    })
    const onClose = (err?: Error) => {
      if (this.closeInfo) return
      this.closeInfo = { atMs: Date.now() - this.createdAt, disconnect: this.lastDisconnect, error: err?.message }
      resolveClosed(this.closeInfo)
      for (const o of this.observers) o({ type: 'closed', info: this.closeInfo })
      this.wake()
    }
    stream.on('close', () => onClose())
    stream.on('end', () => onClose())
    stream.on('error', (e) => onClose(e))
  }

  /** Opens the transport for mqtt://, mqtts://, ws:// or wss:// URLs. */
  static async open(url: string, opts: RawConnectOptions = {}): Promise<RawMqttClient> {
    const u = new URL(url)
    const timeoutMs = opts.timeoutMs ?? 5000
    let socket: WebSocket | undefined
    let handshake: WebSocketHandshake | undefined
    const stream = await new Promise<Duplex>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`could not connect to ${url} within ${timeoutMs} ms`)), timeoutMs)
      const done = (s: Duplex) => { clearTimeout(timer); resolve(s) }
      const fail = (e: Error) => { clearTimeout(timer); reject(e) }
      if (u.protocol === 'mqtt:' || u.protocol === 'tcp:') {
        const s = net.connect(Number(u.port || 1883), u.hostname.replace(/^\[|\]$/g, ''), () => done(s))
        s.once('error', fail)
      } else if (u.protocol === 'mqtts:' || u.protocol === 'ssl:' || u.protocol === 'tls:') {
        const s = tls.connect({ port: Number(u.port || 8883), host: u.hostname.replace(/^\[|\]$/g, ''), ...opts.tls }, () => done(s))
        s.once('error', fail)
      } else if (u.protocol === 'ws:' || u.protocol === 'wss:') {
        // Offers mqtt [MQTT-6.0.0-3] but accepts any answer, recorded for expect-handshake to
        // judge [MQTT-6.0.0-4]: the header is offered by hand, so ws does not check the reply.
        const ws = new WebSocket(url, [], { ...(opts.tls as WebSocket.ClientOptions), headers: { 'Sec-WebSocket-Protocol': 'mqtt' } })
        ws.once('upgrade', (res) => {
          const selected = res.headers['sec-websocket-protocol']
          handshake = { subprotocol: typeof selected === 'string' ? selected : null }
          delete res.headers['sec-websocket-protocol']
        })
        ws.once('open', () => { socket = ws; done(createWebSocketStream(ws)) })
        ws.once('error', fail)
      } else {
        fail(new Error(`unsupported URL scheme ${u.protocol}`))
      }
    })
    return new RawMqttClient(stream, opts.version ?? 4, socket, handshake)
  }

  /** Calls `fn` for every packet received, protocol error and the close (scenario inboxes and traces). */
  observe(fn: (event: RawClientEvent) => void): void {
    this.observers.push(fn)
  }

  /** Encodes and sends a packet object (mqtt-packet's shape). */
  send(packet: RawPacket): void {
    if (packet.cmd === 'connect' && packet.protocolVersion) this.setVersion(packet.protocolVersion)
    this.sendBytes(this.encode(packet))
  }

  /** The packet object's bytes (mqtt-packet's encoder; throws on what it cannot encode). */
  encode(packet: RawPacket): Buffer {
    return mqtt.generate(packet as never, { protocolVersion: this.version })
  }

  /** Sends bytes as they are (malformed packets); over WebSocket, in one binary frame. */
  sendBytes(bytes: Buffer): void {
    this.sendFrames(bytes, {})
  }

  /**
   * Over WebSocket, sends the bytes in the frames the plan says: a packet across
   * several frames, several packets in one, text frames [MQTT-6.0.0-1] [MQTT-6.0.0-2].
   * Every write goes through here, so frames leave in the order they were sent.
   */
  sendFrames(bytes: Buffer, plan: FramePlan): void {
    if (!this.ws) {
      if (plan.split !== undefined || plan.type !== undefined) throw new Error('frames and frameType need a WebSocket connection')
      this.stream.write(bytes)
      return
    }
    if (this.ws.readyState !== WebSocket.OPEN) return
    for (const frame of splitFrames(bytes, plan.split)) this.ws.send(frame, { binary: plan.type !== 'text' })
  }

  setVersion(version: 3 | 4 | 5): void {
    this.version = version
    ;(this.parser as unknown as { settings: { protocolVersion: number } }).settings = { protocolVersion: version }
  }

  /** Sends CONNECT and waits for CONNACK. */
  async connect(packet: Partial<RawPacket> & { clientId: string }, timeoutMs = 5000): Promise<RawPacket> {
    const protocolVersion = packet.protocolVersion ?? this.version
    this.send({ cmd: 'connect', protocolVersion, protocolId: protocolVersion === 3 ? 'MQIsdp' : 'MQTT', clean: true, keepalive: 60, ...packet } as RawPacket)
    return this.next((p) => p.cmd === 'connack', timeoutMs, 'CONNACK')
  }

  private wake(): void {
    const w = this.waiters
    this.waiters = []
    for (const f of w) f()
  }

  /**
   * Waits for the first not-yet-consumed packet that matches. Packets are
   * consumed in arrival order; unmatched ones stay available to later waits.
   */
  async next(match: (p: RawPacket) => boolean, timeoutMs: number, what = 'matching packet'): Promise<RawPacket> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const i = this.received.findIndex((p) => !(p as { _consumed?: boolean })._consumed && match(p))
      if (i >= 0) {
        const p = this.received[i]!
        ;(p as { _consumed?: boolean })._consumed = true
        return p
      }
      if (this.protocolError) throw new Error(`server sent a malformed packet: ${this.protocolError}`)
      const left = deadline - Date.now()
      if (this.closeInfo) throw new WaitTimeoutError(`${what} (connection closed first)`, Date.now() - deadline + timeoutMs, this.received)
      if (left <= 0) throw new WaitTimeoutError(what, timeoutMs, this.received)
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left)
        this.waiters.push(() => { clearTimeout(t); resolve() })
      })
    }
  }

  /** Resolves with the close, or rejects when the connection is still open at the deadline. */
  async waitClosed(timeoutMs: number): Promise<CloseInfo> {
    if (this.closeInfo) return this.closeInfo
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new WaitTimeoutError('connection close', timeoutMs, this.received)), timeoutMs) })
    try {
      return await Promise.race([this.closed, timeout])
    } finally {
      clearTimeout(timer)
    }
  }

  /** Whether anything matching arrives within `ms` (used for "receives nothing" checks). */
  async nothingWithin(match: (p: RawPacket) => boolean, ms: number): Promise<RawPacket | null> {
    try {
      return await this.next(match, ms)
    } catch (err) {
      if (err instanceof WaitTimeoutError) return null
      throw err
    }
  }

  get isClosed(): boolean {
    return this.closeInfo !== null
  }

  destroy(): void {
    this.stream.destroy()
  }
}
