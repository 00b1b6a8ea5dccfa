import type http from 'node:http'
import { randomUUID } from 'node:crypto'
import { AwsBroker } from './aws-broker.js'
import { resolveDeviations } from './deviations.js'
import { mergeProfile } from './profile.js'
import { createLogger, type Logger, type LogLevel } from './logger.js'
import { loadProfile, type Profile, type ProfileOverrides } from './profile.js'
import { listenHttp, listenTcp, listenTls, listenWebSocket, type Listener, type TlsListenerOptions } from './listeners.js'

export interface ReferenceBrokerOptions {
  /** Bundled profile name or profile file (default `aws-iot-core`), or a loaded profile. */
  profile?: string | Profile
  /** A YAML file whose values override the profile's. */
  config?: string
  /** Programmatic overrides, applied last (tests shorten timings this way). */
  overrides?: ProfileOverrides
  /** Interface to bind (default 127.0.0.1). */
  host?: string
  /** Ports: 0 (default) picks a free port; false disables the listener. */
  mqttPort?: number | false
  wsPort?: number | false
  httpPort?: number | false
  /** Port for MQTT over TLS; the listener starts only when `tls` is given. */
  tlsPort?: number | false
  tls?: TlsListenerOptions
  logLevel?: LogLevel
  logger?: Logger
  /**
   * Deliberate deviations (names from `deviations`): run with documented behaviours
   * broken, to prove the scenarios catch them. Never for normal use.
   */
  deviations?: string[]
  /** Handler for the HTTP data plane (attached by the data-plane module). */
  httpHandler?: (broker: AwsBroker, profile: Profile, log: Logger) => http.RequestListener
}

export interface ReferenceBroker {
  profile: Profile
  broker: AwsBroker
  urls: { mqtt?: string; ws?: string; mqtts?: string; http?: string }
  ports: { mqtt?: number; ws?: number; mqtts?: number; http?: number }
  close(): Promise<void>
}

/** Until the data plane is attached, the HTTP port answers every request with a JSON 404. */
function reservedHttp(): http.RequestListener {
  return (_req, res) => {
    const traceId = randomUUID()
    res.writeHead(404, { 'content-type': 'application/json', 'x-amzn-errortype': 'ResourceNotFoundException', 'x-amzn-requestid': traceId })
    res.end(JSON.stringify({ message: 'No data-plane route', traceId }))
  }
}

/**
 * Starts the reference broker: an AWS IoT Core message broker on real sockets.
 * Listens on 127.0.0.1 and port 0 by default and returns the bound URLs.
 */
export async function startReferenceBroker(options: ReferenceBrokerOptions = {}): Promise<ReferenceBroker> {
  const deviation = resolveDeviations(options.deviations ?? [])
  const overrides = mergeProfile((options.overrides ?? {}) as Record<string, unknown>, deviation.overrides as Record<string, unknown>)
  const profile = typeof options.profile === 'object' ? options.profile : loadProfile(options.profile ?? 'aws-iot-core', options.config, overrides)
  const log = options.logger ?? createLogger(options.logLevel ?? 'warn')
  const host = options.host ?? '127.0.0.1'
  const broker = await AwsBroker.create(profile, log, deviation.faults)
  if (deviation.faults.size > 0 || (options.deviations ?? []).length > 0) log.warn({ event: 'deviations', deviations: options.deviations }, 'running with deliberate deviations from the documented behaviour')
  const listeners: Listener[] = []
  const urls: ReferenceBroker['urls'] = {}
  const ports: ReferenceBroker['ports'] = {}
  const urlHost = host.includes(':') ? `[${host}]` : host
  try {
    if (options.mqttPort !== false) {
      const l = await listenTcp(broker, options.mqttPort ?? 0, host)
      listeners.push(l)
      ports.mqtt = l.port
      urls.mqtt = `mqtt://${urlHost}:${l.port}`
    }
    if (options.wsPort !== false) {
      const l = await listenWebSocket(broker, options.wsPort ?? 0, host)
      listeners.push(l)
      ports.ws = l.port
      urls.ws = `ws://${urlHost}:${l.port}/mqtt`
    }
    if (options.tls && options.tlsPort !== false) {
      const l = await listenTls(broker, options.tlsPort ?? 0, host, options.tls)
      listeners.push(l)
      ports.mqtts = l.port
      urls.mqtts = `mqtts://${urlHost}:${l.port}`
    }
    if (options.httpPort !== false) {
      const handler = options.httpHandler ? options.httpHandler(broker, profile, log) : reservedHttp()
      const l = await listenHttp(handler, options.httpPort ?? 0, host)
      listeners.push(l)
      ports.http = l.port
      urls.http = `http://${urlHost}:${l.port}`
    }
  } catch (err) {
    await Promise.all(listeners.map((l) => l.close()))
    await broker.close()
    throw err
  }
  let closing: Promise<void> | null = null
  return {
    profile,
    broker,
    urls,
    ports,
    close() {
      closing ??= (async () => {
        // Stop accepting, drop live connections (server.close waits for them), then wait.
        const stopped = Promise.all(listeners.map((l) => l.close()))
        broker.destroyConnections()
        await stopped
        await broker.close()
      })()
      return closing
    },
  }
}
