import aws4 from 'aws4'
import type { DirectMessageDecl } from '../../spec/index.js'
import type { SigV4Settings } from '../adapters/http-client.js'
import { correlationHead, correlationText, type CorrelationId } from './correlation.js'
import { httpPostBytes } from './http-request-bytes.js'

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
  /** The send time written into each payload (epoch ms); Date.now by default. */
  now?: () => number
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
  const now = opts.now ?? Date.now
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
    const head = correlationHead(c, now())
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

/**
 * The same requests as createDmRequestFactory, as the bytes the open-model
 * driver writes (LeanHttpPool.send): each device's request line and fixed
 * headers are serialized once, so a request costs one buffer, one copy and
 * one string write. Signed requests (SigV4) are built in full each time.
 */
export function createDmWireFactory(opts: DmRequestFactoryOptions): (clientId: string, c: CorrelationId) => Buffer {
  const host = new URL(opts.httpUrl).host
  const make = createDmRequestFactory(opts)
  if (opts.sigv4) return (clientId, c) => { const r = make(clientId, c); return httpPostBytes(host, r.path, r.headers, r.body) }
  const now = opts.now ?? Date.now
  const prefixes = new Map<string, Buffer>()
  const prefixOf = (clientId: string) => {
    let p = prefixes.get(clientId)
    if (p === undefined) {
      // The request line and headers up to the correlation header's value, from a request built the slow way.
      const r = make(clientId, { run: '', slice: 0, seq: 0 })
      const { 'x-amz-mqtt5-correlation-data': _, ...fixed } = r.headers
      p = Buffer.from(`POST ${r.path} HTTP/1.1\r\nhost: ${host}\r\n${Object.entries(fixed).map(([k, v]) => `${k}: ${v}\r\n`).join('')}x-amz-mqtt5-correlation-data: `, 'latin1')
      prefixes.set(clientId, p)
    }
    return p
  }
  const payloadBytes = opts.dm.payloadBytes
  return (clientId, c) => {
    const prefix = prefixOf(clientId)
    const head = correlationHead(c, now())
    const bodyLength = Math.max(payloadBytes, head.length)
    const tail = `${btoa(correlationText(c))}\r\ncontent-length: ${bodyLength}\r\n\r\n${head}`
    const bytes = Buffer.allocUnsafe(prefix.length + tail.length + bodyLength - head.length)
    prefix.copy(bytes, 0)
    const n = prefix.length + bytes.write(tail, prefix.length, 'latin1')
    bytes.fill(0x20, n)
    return bytes
  }
}
