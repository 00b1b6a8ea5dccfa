import type { ConnectionOptions } from 'node:tls'
import { RawMqttClient, type RawPacket } from './raw-mqtt-client.js'
import type { FramePlan } from './frame-plan.js'
import { awaitPacket, whyNothing } from './await-packet.js'
import { Inbox } from './inbox.js'
import { wireProblems } from './wire-rules.js'
import { normalizePacket, traceSummary, type NormalPacket } from './normalize-packet.js'
import type { AckMode, Subscription } from '../../spec/index.js'
import type { ConnectParams, MqttAdapter, MqttEndpoint, PublishParams, TlsSettings } from './mqtt-adapter.js'
import { isUnreachable, unreachable } from './unreachable.js'
import { ExpectationFailure, StepError } from '../errors.js'
import type { TraceRecorder } from '../trace-recorder.js'

export interface RawClientAdapterOptions {
  name: string
  clock: () => number
  trace: TraceRecorder
  ack: AckMode
}

export function tlsConnectionOptions(tls: TlsSettings | undefined): ConnectionOptions | undefined {
  if (!tls) return undefined
  return { ca: tls.ca, cert: tls.cert, key: tls.key, servername: tls.servername, ALPNProtocols: tls.alpn, rejectUnauthorized: tls.rejectUnauthorized ?? true }
}

/**
 * A scenario client on the raw mqtt-packet client: sends exactly what the
 * scenario says (`send:`), builds ordinary packets for the common steps, and
 * acknowledges received QoS 1 messages as its `ack` mode says.
 */
export function createRawClientAdapter(opts: RawClientAdapterOptions): MqttAdapter {
  const inbox = new Inbox(opts.clock)
  let client: RawMqttClient | null = null
  let nextId = 1
  const allocId = () => {
    const id = nextId
    nextId = nextId >= 65535 ? 1 : nextId + 1
    return id
  }
  const timers = new Set<NodeJS.Timeout>()

  const requireOpen = (): RawMqttClient => {
    if (!client) throw new StepError(`client ${opts.name} is not connected (add a connect step first)`)
    // A connection the server closed is the broker's doing: a failure, not a harness error.
    if (client.isClosed && inbox.closed?.byClient) throw new StepError(`client ${opts.name} was disconnected by an earlier step; connect it again first`)
    if (client.isClosed) throw new ExpectationFailure(whyNothing(inbox, `open connection for ${opts.name}`, 0))
    return client
  }

  /** The Maximum Packet Size of the CONNECT sent on the current connection (the `within-client-maximum-packet-size` wire rule). */
  let clientMaximum: number | undefined
  const send = (packet: Record<string, unknown>, frames?: FramePlan) => {
    const client = requireOpen()
    if (packet.cmd === 'connect') {
      const max = (packet.properties as Record<string, unknown> | undefined)?.maximumPacketSize
      clientMaximum = packet.protocolVersion === 5 && typeof max === 'number' ? max : undefined
    }
    opts.trace.record(opts.name, 'out', { ...traceSummary(normalizePacket(packet)), ...framesNote(frames) })
    let bytes: Buffer
    try {
      if (packet.cmd === 'connect' && typeof packet.protocolVersion === 'number') client.setVersion(packet.protocolVersion as 3 | 4 | 5)
      bytes = client.encode(packet as RawPacket)
    } catch (err) {
      throw new StepError(`cannot encode the packet for ${opts.name}: ${(err as Error).message}`)
    }
    sendFrames(client, bytes, frames)
  }

  const sendFrames = (client: RawMqttClient, bytes: Buffer, frames: FramePlan | undefined) => {
    try {
      client.sendFrames(bytes, frames ?? {})
    } catch (err) {
      throw new StepError(`${opts.name}: ${(err as Error).message}`)
    }
  }

  const onPublish = (p: RawPacket) => {
    if (p.qos !== 1 || opts.ack === 'never') return
    const ack = () => { if (client && !client.isClosed) send({ cmd: 'puback', messageId: p.messageId }) }
    if (opts.ack === 'auto') return ack()
    const t = setTimeout(() => { timers.delete(t); ack() }, opts.ack.delay)
    timers.add(t)
  }

  /** A new transport to the endpoint, its packets recorded in the inbox; nothing is sent yet. */
  const openTransport = async (endpoint: MqttEndpoint, version: 4 | 5, timeoutMs: number) => {
    client?.destroy()
    let c: RawMqttClient
    try {
      c = await RawMqttClient.open(endpoint.url, { version, tls: tlsConnectionOptions(endpoint.tls), timeoutMs })
    } catch (err) {
      if (isUnreachable(err)) throw unreachable(endpoint.url, err)
      throw new ExpectationFailure(`transport to ${endpoint.url} failed: ${(err as Error).message}`)
    }
    client = c
    clientMaximum = undefined
    inbox.newConnection()
    c.observe((ev) => {
      if (client !== c) return
      if (ev.type === 'packet') {
        const n = normalizePacket(ev.packet)
        opts.trace.record(opts.name, 'in', traceSummary(n))
        // The encoding rules its bytes break (spec/wire-rules.ts): `wire: []` is a well-formed frame.
        const problems = ev.frame ? wireProblems(ev.frame, c.version, clientMaximum) : []
        if (problems.length) opts.trace.record(opts.name, 'event', { event: 'wire', problems: problems.map((p) => `${p.rule}: ${p.detail}`), received: ev.frame!.toString('hex') })
        inbox.push(ev.frame ? { ...n, wire: problems.map((p) => p.rule) } : n)
        if (ev.packet.cmd === 'publish') onPublish(ev.packet)
      } else if (ev.type === 'protocol-error') {
        opts.trace.record(opts.name, 'event', { event: 'protocol-error', message: ev.message, received: ev.bytes })
        inbox.markProtocolError(ev.message)
      } else {
        opts.trace.record(opts.name, 'event', { event: 'closed', ...(ev.info.error ? { error: ev.info.error } : {}) })
        inbox.markClosed({ disconnect: ev.info.disconnect ? normalizePacket(ev.info.disconnect) : undefined, error: ev.info.error })
      }
    })
  }

  return {
    name: opts.name,
    kind: 'raw',
    inbox,
    isConnected: () => client !== null && !client.isClosed && inbox.closed === null,

    async connect(p: ConnectParams) {
      await openTransport(p.endpoint, p.version, p.timeoutMs)
      const connect: Record<string, unknown> = {
        cmd: 'connect', protocolVersion: p.version, protocolId: 'MQTT', clientId: p.clientId, clean: p.clean, keepalive: p.keepalive,
      }
      if (p.username !== undefined) connect.username = p.username
      if (p.password !== undefined) connect.password = Buffer.from(p.password)
      if (p.will) connect.will = { ...p.will, payload: Buffer.from(p.will.payload) }
      if (p.version === 5 && p.properties) connect.properties = p.properties
      send(connect)
      return awaitPacket(inbox, (x) => x.packet === 'connack', 'CONNACK', p.timeoutMs, p.signal)
    },

    async subscribe(subs: Subscription[], properties, timeoutMs, signal) {
      const messageId = allocId()
      send({ cmd: 'subscribe', messageId, subscriptions: subs.map((s) => ({ nl: false, rap: false, rh: 0, ...s })), ...(properties ? { properties } : {}) })
      return awaitPacket(inbox, (x) => x.packet === 'suback' && x.messageId === messageId, 'SUBACK', timeoutMs, signal)
    },

    async unsubscribe(topics, properties, timeoutMs, signal) {
      const messageId = allocId()
      send({ cmd: 'unsubscribe', messageId, unsubscriptions: topics, ...(properties ? { properties } : {}) })
      return awaitPacket(inbox, (x) => x.packet === 'unsuback' && x.messageId === messageId, 'UNSUBACK', timeoutMs, signal)
    },

    async publish(msg: PublishParams, timeoutMs, signal) {
      const messageId = msg.qos > 0 ? allocId() : undefined
      send({ cmd: 'publish', topic: msg.topic, payload: msg.payload, qos: msg.qos, retain: msg.retain, dup: msg.dup ?? false, ...(messageId ? { messageId } : {}), ...(msg.properties ? { properties: msg.properties } : {}) })
      if (msg.qos === 0) return null
      const ackCmd = msg.qos === 1 ? 'puback' : 'pubrec'
      return awaitPacket(inbox, (x) => x.packet === ackCmd && x.messageId === messageId, ackCmd.toUpperCase(), timeoutMs, signal)
    },

    open: (endpoint, version, timeoutMs) => openTransport(endpoint, version, timeoutMs),

    sendPacket: (packet, frames) => send(packet, frames),

    sendBytes(bytes, frames) {
      const client = requireOpen()
      opts.trace.record(opts.name, 'out', { bytes: bytes.toString('hex'), ...framesNote(frames) })
      sendFrames(client, bytes, frames)
    },

    handshake() {
      if (!client) throw new StepError(`client ${opts.name} is not connected (add a connect step first)`)
      if (!client.handshake) throw new StepError(`client ${opts.name} is not connected over WebSocket`)
      return client.handshake
    },

    async disconnect(o, timeoutMs) {
      if (!client || client.isClosed) return
      inbox.closingByClient = true
      send({ cmd: 'disconnect', ...(o.reasonCode !== undefined ? { reasonCode: o.reasonCode } : {}), ...(o.properties ? { properties: o.properties } : {}) })
      const c = client
      c.stream.end()
      await c.waitClosed(timeoutMs).catch(() => c.destroy())
    },

    drop() {
      inbox.closingByClient = true
      client?.destroy()
    },

    async destroy() {
      for (const t of timers) clearTimeout(t)
      timers.clear()
      client?.destroy()
    },
  }
}

/** The frame plan as the trace shows it, when the step chose one. */
function framesNote(frames: FramePlan | undefined): Record<string, unknown> {
  if (!frames || (frames.split === undefined && frames.type === undefined)) return {}
  return { frames: { ...(frames.split !== undefined ? { split: frames.split } : {}), ...(frames.type ? { type: frames.type } : {}) } }
}
