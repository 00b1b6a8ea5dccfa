import { randomBytes } from 'node:crypto'
import { Agent, request } from 'undici'
import { describeBytes } from '../adapters/describe-bytes.js'
import type { HttpEndpoint } from '../adapters/http-client.js'
import type { MqttEndpoint } from '../adapters/mqtt-adapter.js'
import { tlsConnectionOptions } from '../adapters/raw-client-adapter.js'
import { RawMqttClient, WaitTimeoutError, type RawPacket } from '../adapters/raw-mqtt-client.js'
import { isUnreachable } from '../adapters/unreachable.js'
import { TargetNotMqttError, TargetUnreachableError } from '../errors.js'

/** Default deadline of the whole probe: transport, CONNECT and CONNACK. */
const PROBE_TIMEOUT_MS = 5000

export interface ProbeSettings {
  endpoint: MqttEndpoint
  /** CONNECT protocol level: 4 (3.1.1) or 5. */
  version: 4 | 5
  /** Prepended to the probe's client id (a shared endpoint's policy may demand one). */
  clientIdPrefix?: string
  username?: string
  password?: string
  timeoutMs?: number
  /** The HTTP data plane, when the target declares one: it must answer HTTP. */
  http?: HttpEndpoint
}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`
const quoted = (bytes: Buffer) => `'${describeBytes(bytes)}'`

/**
 * A real MQTT handshake with the target's own settings (version, TLS, SNI,
 * credentials) before any scenario runs, so a port that is no MQTT broker ends
 * the run at once (exit 3) saying what came back, instead of every scenario
 * failing on "no CONNACK". Then, if declared, one request to the HTTP data
 * plane: any HTTP response will do. Throws TargetUnreachableError (nothing
 * answers) or TargetNotMqttError (something answers, not MQTT).
 */
export async function probeTarget(s: ProbeSettings): Promise<void> {
  await probeMqtt(s)
  if (s.http) await probeHttp(s.http, s.timeoutMs ?? PROBE_TIMEOUT_MS)
}

async function probeMqtt(s: ProbeSettings): Promise<void> {
  const url = s.endpoint.url
  const timeoutMs = s.timeoutMs ?? PROBE_TIMEOUT_MS
  const started = Date.now()
  let client: RawMqttClient
  try {
    client = await RawMqttClient.open(url, { version: s.version, tls: tlsConnectionOptions(s.endpoint.tls), timeoutMs })
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    if (isUnreachable(err)) throw new TargetUnreachableError(`cannot reach ${url}: ${e.code ?? e.message}`)
    if (/within \d+ ms/.test(e.message)) throw new TargetUnreachableError(`cannot reach ${url}: no connection within ${seconds(timeoutMs)}`)
    throw new TargetUnreachableError(`cannot reach ${url}: ${e.code ? `${e.code} ` : ''}${e.message}`)
  }
  try {
    const left = Math.max(1, timeoutMs - (Date.now() - started))
    let connack: RawPacket
    try {
      connack = await client.connect({
        clientId: `${s.clientIdPrefix ?? ''}hx-probe-${randomBytes(4).toString('hex')}`,
        protocolVersion: s.version,
        keepalive: 30,
        ...(s.username !== undefined ? { username: s.username } : {}),
        ...(s.password !== undefined ? { password: Buffer.from(s.password) } : {}),
      }, left)
    } catch (err) {
      throw whatCameBack(url, client, err, timeoutMs)
    }
    const code = connack.returnCode ?? connack.reasonCode ?? 0
    if (code !== 0) {
      throw new TargetUnreachableError(`${url} refused the harness's CONNECT (MQTT ${s.version === 5 ? '5' : '3.1.1'}, CONNACK code ${code}${connack.properties?.reasonString ? ` "${connack.properties.reasonString}"` : ''}): check the target file's credentials, TLS material and clientIdPrefix`)
    }
    client.send({ cmd: 'disconnect' })
    client.stream.end()
    await client.waitClosed(1000).catch(() => {})
  } finally {
    client.destroy()
  }
}

/** The probe got no CONNACK: say what it got instead (bytes, a close, or nothing). */
function whatCameBack(url: string, client: RawMqttClient, err: unknown, timeoutMs: number): Error {
  const head = client.head
  const message = (err as Error).message ?? String(err)
  if (/malformed packet/.test(message) || (head.length > 0 && head[0] !== 0x20)) {
    return new TargetNotMqttError(`${url} answered the MQTT CONNECT with ${quoted(head)}${client.isClosed ? ' and closed the connection' : ''}: not an MQTT broker?`)
  }
  if (client.isClosed) {
    return new TargetNotMqttError(`${url} closed the connection without a CONNACK${head.length ? ` after ${quoted(head)}` : ''}: not an MQTT broker?`)
  }
  if (err instanceof WaitTimeoutError) {
    return new TargetNotMqttError(`${url} accepted the connection but sent no CONNACK within ${seconds(timeoutMs)}${head.length ? ` (received ${quoted(head)})` : ''}: not an MQTT broker, or not answering?`)
  }
  return new TargetNotMqttError(`${url}: no CONNACK (${message})`)
}

async function probeHttp(http: HttpEndpoint, timeoutMs: number): Promise<void> {
  const dispatcher = new Agent({ connectTimeout: timeoutMs, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, ...(http.ca ? { connect: { ca: http.ca } } : {}) })
  try {
    // Any HTTP status proves an HTTP server; the data plane's own checks are the scenarios'.
    const res = await request(new URL('/', http.url), { method: 'GET', dispatcher, signal: AbortSignal.timeout(timeoutMs) })
    await res.body.dump()
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    if (isUnreachable(err)) throw new TargetUnreachableError(`cannot reach the HTTP data plane ${http.url}: ${e.code ?? (e.cause as NodeJS.ErrnoException | undefined)?.code ?? e.message}`)
    if (e.name === 'TimeoutError' || e.name === 'AbortError' || /timeout/i.test(e.code ?? '')) throw new TargetNotMqttError(`the HTTP data plane ${http.url} sent no HTTP response within ${seconds(timeoutMs)}`)
    throw new TargetNotMqttError(`the HTTP data plane ${http.url} did not answer HTTP: ${e.code ? `${e.code} ` : ''}${e.message}`)
  } finally {
    await dispatcher.close().catch(() => {})
  }
}
