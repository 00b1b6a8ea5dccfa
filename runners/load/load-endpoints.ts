import type tls from 'node:tls'
import { readFileSync } from 'node:fs'
import type { TargetInfo } from '../../spec/index.js'
import type { SigV4Settings } from '../adapters/http-client.js'
import type { DeviceEndpoint } from './device-client.js'

/**
 * Where a load run goes, as plain data (it crosses into worker threads):
 * the MQTT endpoint devices connect to, the HTTP data plane, and per-device
 * client certificates for mTLS (file paths, read at connect time).
 */
export interface LoadEndpoints {
  target: TargetInfo
  mqtt: {
    host: string
    port: number
    tls?: { ca?: string; servername?: string; alpn?: string[]; rejectUnauthorized?: boolean }
    username?: string
    password?: string
  }
  http?: { url: string; ca?: string; sigv4?: SigV4Settings }
  /** One identity per global device index (mTLS). */
  identities?: { cert: string; key: string }[]
}

/** The device-side endpoint: TLS options built per device (its own identity) when the transport is TLS. */
export function deviceEndpoint(e: LoadEndpoints, globalIndexOf: (local: number) => number): DeviceEndpoint {
  const t = e.mqtt.tls
  const auth = { ...(e.mqtt.username !== undefined ? { username: e.mqtt.username } : {}), ...(e.mqtt.password !== undefined ? { password: e.mqtt.password } : {}) }
  if (!t) return { host: e.mqtt.host, port: e.mqtt.port, ...auth }
  const ids = e.identities
  return {
    host: e.mqtt.host,
    port: e.mqtt.port,
    ...auth,
    tls: (local) => {
      const o: tls.ConnectionOptions = {
        ...(t.ca ? { ca: t.ca } : {}),
        servername: t.servername ?? (/^[\d.:]+$/.test(e.mqtt.host) ? undefined : e.mqtt.host),
        ...(t.alpn ? { ALPNProtocols: t.alpn } : {}),
        rejectUnauthorized: t.rejectUnauthorized ?? true,
      }
      const id = ids?.[globalIndexOf(local)]
      if (id) { o.cert = readFileSync(id.cert); o.key = readFileSync(id.key) }
      return o
    },
  }
}
