import type http from 'node:http'
import { dirname, resolve } from 'node:path'
import { AwsBroker } from './aws-broker.js'
import { resolveDeviations } from './deviations.js'
import { mergeProfile } from './profile.js'
import { createLogger, type Logger, type LogLevel } from './logger.js'
import { loadProfile, type Profile, type ProfileOverrides } from './profile.js'
import { listenHttp, listenHttps, listenTcp, listenTls, listenWebSocket, type Listener, type TlsListenerOptions } from './listeners.js'
import { createAuthorizer } from './policy/create-authorizer.js'
import { installMqttPolicy } from './policy/install-mqtt-policy.js'
import { createDataPlane } from './http/create-data-plane.js'
import { installFaults } from './faults/decorate.js'
import { websocketFaults } from './faults/websocket-faults.js'
import { createWebSocketTransport } from './websocket-transport.js'
import { policyFaults } from './faults/policy-faults.js'
import { dataPlanePolicy } from './faults/data-plane-faults.js'
import { PolicyInvalidError } from './errors.js'

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
  /** Port for the HTTP data plane over TLS (client certificates identify callers); starts only when `tls` is given. */
  httpsPort?: number | false
  logLevel?: LogLevel
  logger?: Logger
  /**
   * Deliberate deviations (names from `deviations`): run with documented behaviours
   * broken, to prove the scenarios catch them. Never for normal use.
   */
  deviations?: string[]
  /**
   * The HTTP data plane refuses callers that are neither SigV4-signed (with a
   * key of the profile's `auth.credentials`) nor hold a trusted client
   * certificate: 403 `signature-missing`, as AWS does, instead of treating them
   * as anonymous [DM-STATUS-401]. Needs at least one key. Default false.
   */
  requireSignature?: boolean
  /** Replaces the HTTP data plane (createDataPlane) on the HTTP and HTTPS ports. */
  httpHandler?: (broker: AwsBroker, profile: Profile, log: Logger) => http.RequestListener
}

export interface ReferenceBroker {
  profile: Profile
  broker: AwsBroker
  urls: { mqtt?: string; ws?: string; mqtts?: string; http?: string; https?: string }
  ports: { mqtt?: number; ws?: number; mqtts?: number; http?: number; https?: number }
  /** True when no policies are configured: every MQTT and HTTP action is allowed. */
  developmentMode: boolean
  close(): Promise<void>
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
  // Policies load before anything listens: a bad policy file stops the start (HX_POLICY_INVALID).
  const authorizer = createAuthorizer(profile.auth, options.config ? dirname(resolve(options.config)) : process.cwd())
  if (options.requireSignature && !authorizer.hasCredentials) throw new PolicyInvalidError('profile auth section', ['requireSignature needs at least one SigV4 key in auth.credentials'])
  const broker = await AwsBroker.create(profile, log, deviation.faults)
  if (authorizer.developmentMode) log.info({ event: 'development-mode', reason: 'no-policies' }, 'no policies configured: every MQTT and HTTP action is allowed')
  // The policy's deviations decorate its rule methods (faults/policy-faults.ts).
  else installFaults(policyFaults, deviation.faults, installMqttPolicy(broker, authorizer), undefined)
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
      // The WebSocket transport's deviations decorate its rules (faults/websocket-faults.ts).
      const transport = createWebSocketTransport()
      installFaults(websocketFaults, deviation.faults, transport, undefined)
      const l = await listenWebSocket(broker, options.wsPort ?? 0, host, transport)
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
    const wantHttps = options.tls !== undefined && options.httpsPort !== false
    const handler = options.httpPort !== false || wantHttps
      ? options.httpHandler ? options.httpHandler(broker, profile, log) : createDataPlane({ broker, profile, log, authorizer, requireSignature: options.requireSignature ?? false, policy: dataPlanePolicy(deviation.faults) })
      : null
    if (handler && options.httpPort !== false) {
      const l = await listenHttp(handler, options.httpPort ?? 0, host)
      listeners.push(l)
      ports.http = l.port
      urls.http = `http://${urlHost}:${l.port}`
    }
    if (handler && wantHttps) {
      const l = await listenHttps(handler, options.httpsPort || 0, host, options.tls!)
      listeners.push(l)
      ports.https = l.port
      urls.https = `https://${urlHost}:${l.port}`
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
    developmentMode: authorizer.developmentMode,
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
