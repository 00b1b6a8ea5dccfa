import net from 'node:net'
import tls from 'node:tls'
import mqtt, { type IPublishPacket, type Packet } from 'mqtt-packet'

/** How to reach the broker. TLS options are built per connection so 10k identities are not all held in memory. */
export interface DeviceEndpoint {
  host: string
  port: number
  tls?: (deviceIndex: number) => tls.ConnectionOptions
  username?: string
  password?: string
}

/** What the fleet hears from its devices. */
export interface DeviceEvents {
  onPublish(device: DeviceClient, packet: IPublishPacket, at: number): void
  onClose(device: DeviceClient, error: string | undefined): void
  /** Any other packet after the CONNACK (SUBACK, PUBACK, DISCONNECT...). */
  onOther?(device: DeviceClient, packet: Packet): void
}

const PINGREQ = Buffer.from([0xc0, 0x00])
const DISCONNECT = Buffer.from([0xe0, 0x00])

/**
 * A lean simulated device on mqtt-packet: CONNECT, CONNACK, PUBLISH in,
 * PUBACK out when told, PINGREQ on demand, DISCONNECT. No queues, no stores,
 * no per-device timers (the fleet drives keep-alive for all devices from one
 * timer), so 10,000 of them fit in one process. MQTT.js would hold its
 * incoming-packet pipeline until a withheld PUBACK is released, so a device
 * that never acknowledges would stop reading; this one keeps reading.
 */
export class DeviceClient {
  socket: net.Socket | null = null
  state: 'idle' | 'connecting' | 'connected' | 'closed' = 'idle'
  /** Clock ms of the last packet written (keep-alive). */
  lastWrite = 0
  /** Set by the fleet: the device closed on purpose (disconnectAfter), not an unplanned drop. */
  closingOnPurpose = false
  /** The MQTT 5 Server Keep Alive from the CONNACK, when the broker overrode ours (seconds). */
  serverKeepAlive: number | undefined

  constructor(readonly index: number, readonly clientId: string, readonly version: 4 | 5, private readonly events: DeviceEvents) {}

  /** Connects and resolves with the CONNACK latency (ms); rejects on refusal, close or timeout. */
  connect(endpoint: DeviceEndpoint, keepaliveSeconds: number, timeoutMs: number): Promise<number> {
    const started = performance.now()
    this.state = 'connecting'
    this.closingOnPurpose = false
    const opts = { host: endpoint.host, port: endpoint.port }
    const socket = endpoint.tls ? tls.connect({ ...opts, ...endpoint.tls(this.index) }) : net.connect(opts)
    socket.setNoDelay(true)
    this.socket = socket
    const parser = mqtt.parser({ protocolVersion: this.version })
    return new Promise<number>((resolve, reject) => {
      let settled = false
      const fail = (why: string) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        socket.destroy()
        reject(new Error(why))
      }
      const timer = setTimeout(() => fail(`no CONNACK within ${timeoutMs} ms`), timeoutMs)
      parser.on('packet', (p: Packet) => {
        if (p.cmd === 'publish') return this.events.onPublish(this, p, performance.now())
        if (p.cmd === 'connack' && !settled) {
          const code = this.version === 5 ? p.reasonCode : p.returnCode
          if (code) return fail(`CONNACK refused with code ${code}`)
          settled = true
          clearTimeout(timer)
          this.state = 'connected'
          this.serverKeepAlive = p.properties?.serverKeepAlive
          resolve(performance.now() - started)
          return
        }
        if (p.cmd !== 'pingresp') this.events.onOther?.(this, p)
      })
      parser.on('error', (err: Error) => {
        fail(`protocol error: ${err.message}`)
        socket.destroy()
      })
      socket.on('data', (b: Buffer) => parser.parse(b))
      socket.on('error', (err: NodeJS.ErrnoException) => fail(err.code ?? err.message))
      socket.on('close', () => {
        const wasConnected = this.state === 'connected'
        this.state = 'closed'
        this.socket = null
        parser.removeAllListeners()
        if (!settled) return fail('connection closed before CONNACK')
        // A connect that failed (refused, timed out) is a connect failure, not a disconnect.
        if (wasConnected) this.events.onClose(this, undefined)
      })
      socket.once(endpoint.tls ? 'secureConnect' : 'connect', () => {
        this.write(mqtt.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: this.version, clean: true, keepalive: keepaliveSeconds, clientId: this.clientId,
          ...(endpoint.username !== undefined ? { username: endpoint.username } : {}), ...(endpoint.password !== undefined ? { password: Buffer.from(endpoint.password) } : {}) }, { protocolVersion: this.version }))
      })
    })
  }

  private write(b: Buffer): void {
    if (!this.socket) return
    this.lastWrite = performance.now()
    this.socket.write(b)
  }

  /** Acknowledges QoS 1 packet `messageId` (the short PUBACK form both versions accept). */
  puback(messageId: number): void {
    if (this.state !== 'connected') return
    this.write(Buffer.from([0x40, 0x02, messageId >> 8, messageId & 0xff]))
  }

  /** Publishes (pub/sub load). Returns false when not connected. */
  publish(packet: Omit<IPublishPacket, 'cmd' | 'dup' | 'retain'>): boolean {
    if (this.state !== 'connected') return false
    this.write(mqtt.generate({ cmd: 'publish', dup: false, retain: false, ...packet }, { protocolVersion: this.version }))
    return true
  }

  /** Subscribes (pub/sub load); the SUBACK arrives through `onPacket` of the caller's choosing. */
  subscribe(messageId: number, topic: string, qos: 0 | 1): void {
    this.write(mqtt.generate({ cmd: 'subscribe', messageId, subscriptions: [{ topic, qos }] }, { protocolVersion: this.version }))
  }

  /**
   * Sends PINGREQ when nothing was written for half the keep-alive: ours, or
   * the broker's Server Keep Alive when it set one (AWS turns 0 into 1200 s).
   */
  pingIfIdle(now: number, keepaliveSeconds: number): void {
    const ka = this.serverKeepAlive ?? keepaliveSeconds
    if (ka > 0 && this.state === 'connected' && now - this.lastWrite >= ka * 500) this.write(PINGREQ)
  }

  /** DISCONNECT, then close. */
  disconnect(): void {
    if (this.state !== 'connected' || !this.socket) return this.destroy()
    this.socket.end(DISCONNECT)
  }

  destroy(): void {
    this.socket?.destroy()
  }
}
