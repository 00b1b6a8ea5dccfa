import type { IPublishPacket, Packet } from 'mqtt-packet'
import type { DeviceBehaviour, FleetResult } from '../../spec/index.js'
import { createLatencyHistogram, encodeHistogram, recordMs } from '../../reports/index.js'
import { DeviceClient, type DeviceEndpoint } from './device-client.js'

export interface FleetOptions<T> {
  endpoint: DeviceEndpoint
  /** Global device indices this fleet simulates: [start, end). */
  range: { start: number; end: number }
  clientId: (globalIndex: number) => string
  version: 4 | 5
  keepaliveSeconds: number
  connectTimeoutMs: number
  /** Connects per second for this fleet. */
  connectRate: number
  behaviours: readonly DeviceBehaviour[]
  /** A PUBLISH arrived; what it returns is handed back to onAck when the device acknowledges it. */
  onPublish(device: DeviceClient, packet: IPublishPacket, at: number): T
  /** The device sent its PUBACK for a message onPublish returned `token` for. */
  onAck?(device: DeviceClient, token: T, at: number): void
  onOther?(device: DeviceClient, packet: Packet): void
}

const GOLDEN = 0.6180339887498949

/**
 * Which behaviour device `globalIndex` has: shares are laid over the golden
 * ratio sequence of device indices, so every slice of the fleet (worker,
 * shard) and every round-robin stride sees each behaviour in proportion.
 */
export function behaviourFor(globalIndex: number, behaviours: readonly DeviceBehaviour[]): DeviceBehaviour | undefined {
  const x = ((globalIndex + 1) * GOLDEN) % 1
  let acc = 0
  for (const b of behaviours) {
    acc += b.share
    if (x < acc) return b
  }
  return undefined
}

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/**
 * N simulated devices: connected at a planned rate with their CONNACK latency
 * recorded, each acknowledging (or not) by its behaviour, disconnecting and
 * reconnecting when told. One keep-alive timer serves the whole fleet.
 */
export class DeviceFleet<T> {
  readonly devices: DeviceClient[] = []
  private readonly connack = createLatencyHistogram()
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly errorSamples: string[] = []
  private stopping = false
  private keepAlive: NodeJS.Timeout | undefined
  connected = 0
  connectFailures = 0
  disconnects = 0
  plannedDisconnects = 0
  reconnects = 0
  heapBytesPerDevice: number | undefined

  constructor(private readonly opts: FleetOptions<T>) {
    for (let g = opts.range.start; g < opts.range.end; g++) {
      this.devices.push(new DeviceClient(g - opts.range.start, opts.clientId(g), opts.version, {
        onPublish: (d, p, at) => this.handlePublish(d, p, at),
        onClose: (d) => this.handleClose(d),
        ...(opts.onOther ? { onOther: opts.onOther } : {}),
      }))
    }
  }

  /** The behaviour of the fleet's local device `local`. */
  behaviour(local: number): DeviceBehaviour | undefined {
    return behaviourFor(this.opts.range.start + local, this.opts.behaviours)
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => { this.timers.delete(t); fn() }, ms)
    this.timers.add(t)
  }

  private handlePublish(d: DeviceClient, p: IPublishPacket, at: number): void {
    const token = this.opts.onPublish(d, p, at)
    if (p.qos !== 1 || p.messageId === undefined) return
    const ack = () => {
      if (d.state !== 'connected') return
      d.puback(p.messageId!)
      this.opts.onAck?.(d, token, performance.now())
    }
    const puback = this.behaviour(d.index)?.puback ?? 'immediate'
    if (puback === 'immediate') ack()
    else if (puback !== 'never') this.later(puback.delay, ack)
  }

  private handleClose(d: DeviceClient): void {
    this.connected--
    if (d.closingOnPurpose) this.plannedDisconnects++
    else if (!this.stopping) this.disconnects++
    const reconnect = this.behaviour(d.index)?.reconnect
    if (reconnect && !this.stopping) this.later(reconnect.after, () => { if (!this.stopping) void this.connectOne(d, true) })
  }

  private async connectOne(d: DeviceClient, again = false): Promise<void> {
    try {
      const ms = await d.connect(this.opts.endpoint, this.opts.keepaliveSeconds, this.opts.connectTimeoutMs)
      recordMs(this.connack, ms)
      this.connected++
      if (again) this.reconnects++
      const after = this.behaviour(d.index)?.disconnectAfter
      if (after !== undefined) this.later(after, () => { d.closingOnPurpose = true; d.disconnect() })
      if (this.stopping) d.disconnect()
    } catch (err) {
      if (!again) this.connectFailures++
      if (this.errorSamples.length < 5) this.errorSamples.push(`${d.clientId}: ${(err as Error).message}`)
    }
  }

  /**
   * Connects every device at the planned connect rate (device k is due at
   * k / rate) and resolves when each has its CONNACK or failed.
   */
  async connectAll(): Promise<void> {
    const gc = (globalThis as { gc?: () => void }).gc
    gc?.()
    const heapBefore = process.memoryUsage().heapUsed
    const t0 = performance.now()
    const pending: Promise<void>[] = []
    for (let k = 0; k < this.devices.length && !this.stopping; k++) {
      const wait = t0 + (k * 1000) / this.opts.connectRate - performance.now()
      if (wait > 1) await delay(wait)
      pending.push(this.connectOne(this.devices[k]!))
    }
    await Promise.all(pending)
    if (gc && this.connected > 0) {
      gc()
      this.heapBytesPerDevice = Math.round((process.memoryUsage().heapUsed - heapBefore) / this.connected)
    }
    // One timer for the whole fleet: per-device timers would cost 10,000 timers.
    this.keepAlive = setInterval(() => {
      const now = performance.now()
      for (const d of this.devices) d.pingIfIdle(now, this.opts.keepaliveSeconds)
    }, 1000)
    this.keepAlive.unref()
  }

  /** Disconnects every device (DISCONNECT first) and waits, at most `timeoutMs`, for the sockets to close. */
  async close(timeoutMs = 5000): Promise<void> {
    this.stopping = true
    clearInterval(this.keepAlive)
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    const open = this.devices.filter((d) => d.socket)
    const closed = Promise.all(open.map((d) => new Promise<void>((r) => { d.socket!.once('close', () => r()); d.disconnect() })))
    let timer: NodeJS.Timeout | undefined
    await Promise.race([closed, new Promise<void>((r) => { timer = setTimeout(r, timeoutMs) })])
    clearTimeout(timer)
    for (const d of this.devices) d.destroy()
  }

  /** The fleet's part of the report. */
  result(): FleetResult {
    return {
      devices: this.devices.length,
      connected: this.devices.length - this.connectFailures,
      connectFailures: this.connectFailures,
      disconnects: this.disconnects,
      plannedDisconnects: this.plannedDisconnects,
      reconnects: this.reconnects,
      connack: encodeHistogram(this.connack),
      ...(this.heapBytesPerDevice !== undefined ? { heapBytesPerDevice: this.heapBytesPerDevice } : {}),
      connectErrorSamples: [...this.errorSamples],
    }
  }
}
