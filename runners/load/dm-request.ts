import aws4 from 'aws4'
import type { DirectMessageDecl } from '../../spec/index.js'
import type { SigV4Settings } from '../adapters/http-client.js'
import { correlationHead, correlationText, type CorrelationId } from './correlation.js'

/** One SendDirectMessage request, ready for undici or autocannon. */
export interface DmRequest {
  path: string
  headers: Record<string, string>
  body: Buffer
}

export interface DmRequestFactoryOptions {
  httpUrl: string
  dm: DirectMessageDecl
  runId: string
  sigv4?: SigV4Settings
}

/**
 * Builds SendDirectMessage requests [DM-API-PATH]: client id URL-encoded in
 * the path, topic/confirmation/timeout in the query, the correlation id in
 * `x-amz-mqtt5-correlation-data` (base64) and in the payload (a JSON header
 * with the send time, padded with spaces). This runs once per request at
 * peak rate, so each device's path is built once and the payload is written
 * into a fresh buffer without intermediate strings.
 */
export function createDmRequestFactory(opts: DmRequestFactoryOptions): (clientId: string, c: CorrelationId) => DmRequest {
  const base = new URL(opts.httpUrl)
  const prefix = base.pathname.replace(/\/$/, '')
  const { dm } = opts
  const paths = new Map<string, string>()
  const pathOf = (clientId: string) => {
    let p = paths.get(clientId)
    if (p === undefined) {
      const topic = dm.topic.replaceAll('${device}', clientId).replaceAll('${run}', opts.runId)
      const q = new URLSearchParams({ topic, confirmation: String(dm.confirmation) })
      if (dm.confirmation) q.set('timeout', String(dm.timeout))
      p = `${prefix}/connections/${encodeURIComponent(clientId)}/messages?${q.toString()}`
      paths.set(clientId, p)
    }
    return p
  }
  return (clientId, c) => {
    const path = pathOf(clientId)
    const head = correlationHead(c, Date.now())
    const body = Buffer.allocUnsafe(Math.max(dm.payloadBytes, head.length))
    const n = body.write(head, 0, 'latin1')
    body.fill(0x20, n)
    const headers: Record<string, string> = {
      'content-type': 'application/octet-stream',
      'x-amz-mqtt5-correlation-data': btoa(correlationText(c)),
    }
    if (opts.sigv4) {
      const s = opts.sigv4
      const signed = aws4.sign({ host: base.host, path, method: 'POST', headers, body, service: s.service, region: s.region },
        { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey, ...(s.sessionToken ? { sessionToken: s.sessionToken } : {}) })
      for (const [k, v] of Object.entries(signed.headers ?? {})) if (k.toLowerCase() !== 'host' && k.toLowerCase() !== 'content-length') headers[k] = String(v)
    }
    return { path, headers, body }
  }
}
