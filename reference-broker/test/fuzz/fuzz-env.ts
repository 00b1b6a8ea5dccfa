import { spawn, type ChildProcess } from 'node:child_process'
import net from 'node:net'
import { fileURLToPath } from 'node:url'
import mqtt, { type MqttClient } from 'mqtt'
import WebSocket from 'ws'
import { FrameSplitter, PT } from '../../mqtt-codec.js'
import { connectFrame } from './packets.js'
import type { FuzzInput } from './mutations.js'

const PINGREQ = Buffer.from([0xc0, 0x00])

function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout
  const deadline = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms) })
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer))
}

/** How one input ended: the broker closed, answered the trailing PINGREQ, or neither before the deadline. */
export type InputOutcome = 'closed' | 'answered' | 'deadline'

/** MQTT over TCP, or over WebSocket (subprotocol `mqtt`, path /mqtt). */
export type FuzzTransport = 'tcp' | 'ws'

/** Where fuzz traffic goes: a port of the broker and how to speak to it. */
export interface FuzzTarget {
  transport: FuzzTransport
  port: number
}

/** A byte connection to the target: `write` after `onOpen`; `onData`/`onClose` as the broker answers or ends it. */
interface Conn {
  write(bytes: Buffer): void
  destroy(): void
}

function openConn(target: FuzzTarget, on: { open: () => void; data: (d: Buffer) => void; closed: () => void }): Conn {
  if (target.transport === 'tcp') {
    const sock = net.connect(target.port, '127.0.0.1')
    sock.on('connect', on.open)
    sock.on('data', on.data)
    sock.on('error', on.closed)
    sock.on('close', on.closed)
    return { write: (b) => { sock.write(b) }, destroy: () => sock.destroy() }
  }
  // Each write is one binary WebSocket message: a cut input puts packets across message
  // boundaries, which MQTT over WebSocket allows [MQTT5-6.0.0-2].
  const ws = new WebSocket(`ws://127.0.0.1:${target.port}/mqtt`, 'mqtt')
  ws.on('open', on.open)
  ws.on('message', (d: Buffer | ArrayBuffer | Buffer[]) => on.data(Array.isArray(d) ? Buffer.concat(d) : Buffer.from(d as Buffer)))
  ws.on('error', on.closed)
  ws.on('close', on.closed)
  ws.on('unexpected-response', on.closed)
  return { write: (b) => { if (ws.readyState === WebSocket.OPEN) ws.send(b) }, destroy: () => ws.terminate() }
}

/** The URL an MQTT.js client uses for the target. */
export function targetUrl(target: FuzzTarget): string {
  return target.transport === 'tcp' ? `mqtt://127.0.0.1:${target.port}` : `ws://127.0.0.1:${target.port}/mqtt`
}

const asTarget = (t: number | FuzzTarget): FuzzTarget => (typeof t === 'number' ? { transport: 'tcp', port: t } : t)

/**
 * Sends one input on a fresh connection (TCP, or WebSocket with each cut piece
 * its own message), then a PINGREQ: the input is done when the broker closes
 * the connection or answers the PINGREQ (it has handled everything before it),
 * or at the deadline (a frame left incomplete on purpose). A bare port is TCP.
 */
export function sendInput(to: number | FuzzTarget, input: FuzzInput, deadlineMs = 300): Promise<InputOutcome> {
  return new Promise((resolve) => {
    let done = false
    const finish = (how: InputOutcome) => {
      if (done) return
      done = true
      clearTimeout(timer)
      conn.destroy()
      resolve(how)
    }
    const timer = setTimeout(() => finish('deadline'), deadlineMs)
    const splitter = new FrameSplitter({ onFrame: (f) => { if (f[0]! >> 4 === PT.PINGRESP) finish('answered') } })
    const conn = openConn(asTarget(to), {
      data: (d) => splitter.push(d),
      closed: () => finish('closed'),
      open: () => {
        const bytes = Buffer.concat(input.frames.map((h) => Buffer.from(h, 'hex')))
        const cuts = [...new Set(input.cuts.map((c) => Math.floor(c * bytes.length)))].sort((a, b) => a - b)
        let from = 0
        for (const cut of [...cuts, bytes.length]) {
          if (cut > from) conn.write(bytes.subarray(from, cut))
          from = Math.max(from, cut)
        }
        conn.write(PINGREQ)
      },
    })
  })
}

/** Resolves when a new connection (TCP or WebSocket) gets a CONNACK; rejects at the deadline. */
export function probe(to: number | FuzzTarget, timeoutMs = 3000): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false
    const settle = (err: Error | null) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      conn.destroy()
      if (err) reject(err)
      else resolve()
    }
    const fail = (why: string) => settle(new Error(`broker stopped accepting connections: ${why}`))
    const timer = setTimeout(() => fail(`no CONNACK within ${timeoutMs} ms`), timeoutMs)
    const conn = openConn(asTarget(to), {
      open: () => conn.write(connectFrame(4, `fz-probe-${process.pid}-${Math.random().toString(36).slice(2)}`)),
      closed: () => fail('connection closed before a CONNACK'),
      data: (d) => settle(d[0] === 0x20 && d[3] === 0 ? null : new Error(`broker refused a healthy CONNECT: ${d.toString('hex')}`)),
    })
  })
}

/**
 * A publisher and a subscriber (MQTT 5, QoS 1) that must lose nothing while
 * fuzz traffic runs beside them: every message published is counted until it
 * arrives.
 */
export async function healthyPair(url: string, version: 4 | 5 = 5) {
  const tag = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`
  const topic = `health/${tag}`
  const open = (role: string) => new Promise<MqttClient>((resolve, reject) => {
    const c = mqtt.connect(url, { clientId: `health-${role}-${tag}`, protocolVersion: version, reconnectPeriod: 0, connectTimeout: 5000 })
    c.once('connect', () => resolve(c))
    c.once('error', reject)
    c.once('close', () => reject(new Error(`healthy ${role} closed before CONNACK`)))
  })
  const sub = await open('sub')
  const pub = await open('pub')
  await sub.subscribeAsync(topic, { qos: 1 })
  const received = new Set<number>()
  let sent = 0
  let waiter: (() => void) | null = null
  sub.on('message', (_t, payload) => { received.add(Number(payload.toString())); waiter?.() })
  let closedEarly: string | null = null
  for (const [role, c] of [['subscriber', sub], ['publisher', pub]] as const) c.on('close', () => { closedEarly ??= `healthy ${role} was disconnected` })
  let publishing: Promise<void> | null = null
  let stop = false

  async function publishOne(): Promise<void> {
    if (closedEarly) throw new Error(closedEarly)
    const n = ++sent
    const ack = await withDeadline(pub.publishAsync(topic, String(n), { qos: 1 }), 5000, `healthy publish ${n} not acknowledged`)
    const code = (ack as { reasonCode?: number } | undefined)?.reasonCode ?? 0
    if (code >= 0x80) throw new Error(`healthy publish ${n} refused with 0x${code.toString(16)}`)
  }

  /** Waits until every message sent so far arrived; rejects with the count lost at the deadline. */
  async function drain(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (received.size < sent) {
      if (closedEarly) throw new Error(closedEarly)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`healthy pair lost ${sent - received.size} of ${sent} messages`)
      await new Promise<void>((r) => { const t = setTimeout(r, left); waiter = () => { clearTimeout(t); waiter = null; r() } })
    }
  }

  return {
    get sent() { return sent },
    get lost() { return sent - received.size },
    /** One publish and its delivery. */
    async roundTrip(): Promise<void> {
      await publishOne()
      await drain()
    },
    /** Publishes about 40 messages a second (under the per-connection rate limit) until stopPublishing. */
    startPublishing(): void {
      stop = false
      publishing = (async () => {
        while (!stop) {
          await publishOne()
          await new Promise((r) => setTimeout(r, 25))
        }
      })()
      // Its failure is reported by stopPublishing; until then it must not count as unhandled.
      publishing.catch(() => {})
    },
    async stopPublishing(): Promise<void> {
      stop = true
      const p = publishing
      publishing = null
      await withDeadline(p ?? Promise.resolve(), 6000, 'healthy publisher stuck')
    },
    drain,
    close(): void {
      sub.end(true)
      pub.end(true)
    },
  }
}

export type HealthyPair = Awaited<ReturnType<typeof healthyPair>>

/** The reference broker in a child process (broker-child.ts); its death is observed, not shared. */
export class ChildBroker {
  /** MQTT over TCP. */
  port = 0
  /** MQTT over WebSocket (path /mqtt). */
  wsPort = 0
  exit: string | null = null
  stderr = ''
  internalErrors: string[] = []
  private proc: ChildProcess | null = null

  /** Starts the broker under a bundled profile (default aws-iot-core). */
  static async start(profile = 'aws-iot-core'): Promise<ChildBroker> {
    const b = new ChildBroker()
    await b.spawn(profile)
    return b
  }

  private spawn(profile: string): Promise<void> {
    const entry = fileURLToPath(new URL('./broker-child.ts', import.meta.url))
    const proc = spawn(process.execPath, ['--import', 'tsx', entry, profile], { stdio: ['ignore', 'pipe', 'pipe'] })
    this.proc = proc
    proc.stderr!.setEncoding('utf8')
    proc.stderr!.on('data', (d: string) => {
      this.stderr = (this.stderr + d).slice(-20_000)
      for (const line of d.split('\n')) if (line.includes('"internal-error"')) this.internalErrors.push(line)
    })
    proc.on('exit', (code, signal) => { this.exit ??= `broker process exited (code ${code}, signal ${signal})` })
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('broker child did not start within 20 s')), 20_000)
      let out = ''
      proc.stdout!.setEncoding('utf8')
      proc.stdout!.on('data', (d: string) => {
        out += d
        const line = out.split('\n')[0]
        if (out.includes('\n') && line) {
          clearTimeout(t)
          const ports = JSON.parse(line) as { port: number; wsPort: number }
          this.port = ports.port
          this.wsPort = ports.wsPort
          resolve()
        }
      })
      proc.on('exit', () => { clearTimeout(t); reject(new Error(`broker child exited while starting: ${this.stderr}`)) })
    })
  }

  /** The broker's port for a transport. */
  target(transport: FuzzTransport): FuzzTarget {
    return { transport, port: transport === 'tcp' ? this.port : this.wsPort }
  }

  /** Throws when the process died or logged a caught internal error. */
  check(): void {
    if (this.exit) throw new Error(`${this.exit}\n${this.stderr.slice(-4000)}`)
    if (this.internalErrors.length > 0) throw new Error(`broker caught ${this.internalErrors.length} internal error(s):\n${this.internalErrors.slice(0, 3).join('\n')}`)
  }

  stop(): Promise<void> {
    const proc = this.proc
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve()
    return new Promise((resolve) => {
      const t = setTimeout(() => proc.kill('SIGKILL'), 3000)
      proc.once('exit', () => { clearTimeout(t); resolve() })
      proc.kill('SIGTERM')
    })
  }
}
