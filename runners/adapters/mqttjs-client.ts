import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import { awaitPacket, whyNothing } from './await-packet.js'
import { Inbox } from './inbox.js'
import { describeBytes } from './describe-bytes.js'
import { normalizePacket, traceSummary, type NormalPacket } from './normalize-packet.js'
import type { AckMode } from '../../spec/index.js'
import type { ConnectParams, MqttAdapter, PublishParams } from './mqtt-adapter.js'
import { isUnreachable, unreachable } from './unreachable.js'
import { ExpectationFailure, StepError } from '../errors.js'
import { withDeadline } from '../deadline.js'
import type { TraceRecorder } from '../trace-recorder.js'

export interface MqttjsClientAdapterOptions {
  name: string
  clock: () => number
  trace: TraceRecorder
  ack: AckMode
}

type SendPacket = (packet: Record<string, unknown>, cb?: (err?: Error) => void, cbStorePut?: unknown, noStore?: boolean) => void

/**
 * A scenario client on MQTT.js, the library most devices and backends use.
 * Every packet is recorded through `packetreceive`/`packetsend`; `message`
 * fires for topics the client never subscribed to, which direct messages need.
 */
export function createMqttjsClientAdapter(opts: MqttjsClientAdapterOptions): MqttAdapter {
  const inbox = new Inbox(opts.clock)
  let client: MqttClient | null = null
  const timers = new Set<NodeJS.Timeout>()

  const requireClient = (): MqttClient => {
    if (!client) throw new StepError(`client ${opts.name} is not connected (add a connect step first)`)
    // A connection the server closed is the broker's doing: a failure, not a harness error.
    if (inbox.closed?.byClient) throw new StepError(`client ${opts.name} was disconnected by an earlier step; connect it again first`)
    if (inbox.closed) throw new ExpectationFailure(whyNothing(inbox, `open connection for ${opts.name}`, 0))
    return client
  }

  /**
   * `ack: never | { delay }`. MQTT.js processes incoming packets one at a time
   * and waits for handleMessage's callback, so withholding the callback would
   * also hold back every later packet; the PUBACK is held at the send instead.
   */
  const holdPubacks = (c: MqttClient) => {
    if (opts.ack === 'auto') return
    const internal = c as unknown as { _sendPacket: SendPacket }
    const original = internal._sendPacket.bind(c)
    const mode = opts.ack
    internal._sendPacket = (packet, cb, ...rest) => {
      if (packet.cmd !== 'puback') return original(packet, cb, ...rest)
      if (mode === 'never') {
        opts.trace.record(opts.name, 'event', { event: 'puback-withheld', messageId: packet.messageId })
        return cb?.()
      }
      const t = setTimeout(() => { timers.delete(t); if (!c.disconnected) original(packet, cb, ...rest); else cb?.() }, mode.delay)
      timers.add(t)
    }
  }

  return {
    name: opts.name,
    kind: 'mqtt',
    inbox,
    isConnected: () => client !== null && client.connected && inbox.closed === null,

    async connect(p: ConnectParams) {
      if (client) client.end(true)
      inbox.newConnection()
      const o: IClientOptions = {
        protocolVersion: p.version,
        clientId: p.clientId,
        clean: p.clean,
        keepalive: p.keepalive,
        reconnectPeriod: 0,
        // Our own deadline decides; MQTT.js's timer only has to be later.
        connectTimeout: p.timeoutMs + 5000,
        resubscribe: false,
        autoUseTopicAlias: false,
        autoAssignTopicAlias: false,
        queueQoSZero: false,
        // Listeners go on first, so the CONNECT itself is in the trace.
        manualConnect: true,
        ...(p.username !== undefined ? { username: p.username } : {}),
        ...(p.password !== undefined ? { password: p.password } : {}),
        ...(p.will ? { will: { ...p.will, payload: Buffer.from(p.will.payload), properties: p.will.properties as never } } : {}),
        ...(p.version === 5 && p.properties ? { properties: p.properties as IClientOptions['properties'] } : {}),
      }
      const tls = p.endpoint.tls
      if (tls) Object.assign(o, { ca: tls.ca, cert: tls.cert, key: tls.key, servername: tls.servername, ALPNProtocols: tls.alpn, rejectUnauthorized: tls.rejectUnauthorized ?? true })
      const c = mqtt.connect(p.endpoint.url, o)
      client = c
      holdPubacks(c)
      let lastError: Error | undefined
      let lastDisconnect: NormalPacket | undefined
      c.on('packetreceive', (packet) => {
        if (client !== c) return
        const n = normalizePacket(packet as unknown as Record<string, unknown>)
        if (n.packet === 'disconnect') lastDisconnect = n
        opts.trace.record(opts.name, 'in', traceSummary(n))
        inbox.push(n)
      })
      c.on('packetsend', (packet) => {
        if (client === c) opts.trace.record(opts.name, 'out', traceSummary(normalizePacket(packet as unknown as Record<string, unknown>)))
      })
      c.on('message', () => {})
      let lastChunk: Buffer | undefined
      c.on('error', (err) => {
        lastError = err
        const protocolError = /parse|invalid|malformed|unknown/i.test(err.message) && !('code' in err && typeof err.code === 'number')
        // Bytes that are no MQTT (an HTTP server's answer) go in the trace as they came.
        if (client === c) opts.trace.record(opts.name, 'event', { event: protocolError ? 'protocol-error' : 'error', message: err.message, ...(protocolError && lastChunk ? { received: describeBytes(lastChunk) } : {}) })
        if (protocolError) inbox.markProtocolError(err.message)
      })
      c.on('close', () => {
        if (client !== c) return
        opts.trace.record(opts.name, 'event', { event: 'closed', ...(lastError ? { error: lastError.message } : {}) })
        inbox.markClosed({ disconnect: lastDisconnect, error: lastError?.message })
      })
      c.connect()
      c.stream?.prependListener('data', (chunk: Buffer) => { lastChunk = chunk })
      try {
        return await awaitPacket(inbox, (x) => x.packet === 'connack', 'CONNACK', p.timeoutMs, p.signal)
      } catch (err) {
        if (lastError && isUnreachable(lastError)) throw unreachable(p.endpoint.url, lastError)
        throw err
      }
    },

    async subscribe(subs, properties, timeoutMs, signal) {
      const c = requireClient()
      const map: Record<string, { qos: 0 | 1 | 2; nl?: boolean; rap?: boolean; rh?: number }> = {}
      for (const s of subs) map[s.topic] = { qos: s.qos, ...(s.nl !== undefined ? { nl: s.nl } : {}), ...(s.rap !== undefined ? { rap: s.rap } : {}), ...(s.rh !== undefined ? { rh: s.rh } : {}) }
      const refused = new Promise<never>((_, reject) => {
        c.subscribe(map as never, (properties ? { properties } : {}) as never, (err) => {
          // MQTT.js reports refused filters as an error too; only its own validation has no SUBACK.
          if (err && !('code' in err) && !/Subscribe error/.test(err.message)) reject(new StepError(`MQTT.js refused the SUBSCRIBE (${err.message}); use a raw client to send it`))
        })
      })
      refused.catch(() => {})
      const messageId = c.getLastMessageId()
      return Promise.race([refused, awaitPacket(inbox, (x) => x.packet === 'suback' && x.messageId === messageId, 'SUBACK', timeoutMs, signal)])
    },

    async unsubscribe(topics, properties, timeoutMs, signal) {
      const c = requireClient()
      c.unsubscribe(topics, (properties ? { properties } : {}) as never, () => {})
      const messageId = c.getLastMessageId()
      return awaitPacket(inbox, (x) => x.packet === 'unsuback' && x.messageId === messageId, 'UNSUBACK', timeoutMs, signal)
    },

    async publish(msg: PublishParams, timeoutMs, signal) {
      const c = requireClient()
      const refused = new Promise<void>((resolve, reject) => {
        c.publish(msg.topic, msg.payload, { qos: msg.qos, retain: msg.retain, dup: msg.dup ?? false, ...(msg.properties ? { properties: msg.properties as never } : {}) }, (err) => {
          if (err && !('code' in err && typeof (err as { code: unknown }).code === 'number')) reject(new StepError(`MQTT.js refused the PUBLISH (${err.message}); use a raw client to send it`))
          else resolve()
        })
      })
      refused.catch(() => {})
      if (msg.qos === 0) {
        await withDeadline(refused, timeoutMs, () => new ExpectationFailure(`PUBLISH not written within ${timeoutMs} ms (connection stalled)`), signal)
        return null
      }
      const messageId = c.getLastMessageId()
      const ackCmd = msg.qos === 1 ? 'puback' : 'pubrec'
      const ack = awaitPacket(inbox, (x) => x.packet === ackCmd && x.messageId === messageId, ackCmd.toUpperCase(), timeoutMs, signal)
      return Promise.race([refused.then(() => ack), ack])
    },

    async open() {
      throw new StepError(`send with open needs a raw client; ${opts.name} is an MQTT.js client`)
    },
    sendPacket() {
      throw new StepError(`send needs a raw client; ${opts.name} is an MQTT.js client`)
    },
    sendBytes() {
      throw new StepError(`send needs a raw client; ${opts.name} is an MQTT.js client`)
    },
    handshake() {
      throw new StepError(`expect-handshake needs a raw client; ${opts.name} is an MQTT.js client`)
    },

    async disconnect(o, timeoutMs) {
      const c = client
      if (!c || inbox.closed) return
      inbox.closingByClient = true
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => { c.end(true); resolve() }, timeoutMs)
        c.end(false, { ...(o.reasonCode !== undefined ? { reasonCode: o.reasonCode } : {}), ...(o.properties ? { properties: o.properties } : {}) } as never, () => { clearTimeout(t); resolve() })
      })
    },

    drop() {
      const c = client
      if (!c) return
      inbox.closingByClient = true
      c.stream?.destroy()
      c.end(true)
    },

    async destroy() {
      for (const t of timers) clearTimeout(t)
      timers.clear()
      const c = client
      if (!c) return
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 1000)
        c.end(true, {}, () => { clearTimeout(t); resolve() })
      })
    },
  }
}
