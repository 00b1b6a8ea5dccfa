import aws4 from 'aws4'
import type { SignOption } from '../../spec/index.js'
import { Agent, request, type Dispatcher } from 'undici'
import type { TraceRecorder } from '../trace-recorder.js'
import { isUnreachable, unreachable } from './unreachable.js'
import { ExpectationFailure, StepError } from '../errors.js'

/** Credentials for SigV4-signed requests (the AWS IoT data plane). */
export interface SigV4Settings {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
  region: string
  /** Signing name: `iotdata` (the API models) or `iotdevicegateway` (a developer-guide note); contradiction C10. */
  service: string
}

export interface HttpEndpoint {
  url: string
  sigv4?: SigV4Settings
  /** CA for an https endpoint with a private certificate. */
  ca?: Buffer
}

export interface HttpRequestParams {
  method: string
  path: string
  query?: Record<string, string | number | boolean>
  headers?: Record<string, string>
  /** Text as is; anything else is sent as JSON. */
  body?: unknown
  sign?: SignOption
}

export interface HttpResult {
  status: number
  headers: Record<string, string>
  /** Parsed JSON when the response says JSON (or parses as JSON), else the text. */
  body: unknown
  text: string
  latencyMs: number
}

export interface HttpClient {
  request(req: HttpRequestParams, timeoutMs: number, signal: AbortSignal, client?: string): Promise<HttpResult>
  close(): Promise<void>
}

/**
 * HTTP requests against the target's data plane on undici, signed with SigV4
 * when the target gives credentials. Every exchange goes into the trace.
 */
export function createHttpClient(endpoint: HttpEndpoint, opts: { clock: () => number; trace: TraceRecorder }): HttpClient {
  const dispatcher: Dispatcher = new Agent({ connect: endpoint.ca ? { ca: endpoint.ca } : {}, keepAliveTimeout: 1000 })
  const base = new URL(endpoint.url)
  return {
    async request(req, timeoutMs, signal, client = 'http') {
      const url = new URL(req.path, base)
      if (base.pathname !== '/' && !req.path.startsWith(base.pathname)) url.pathname = base.pathname.replace(/\/$/, '') + req.path
      for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, String(v))
      const headers: Record<string, string> = { ...(req.headers ?? {}) }
      let body: string | undefined
      if (req.body !== undefined) {
        if (typeof req.body === 'string') body = req.body
        else {
          body = JSON.stringify(req.body)
          headers['content-type'] ??= 'application/json'
        }
      }
      let finalHeaders = headers
      const signing = signingFor(endpoint.sigv4, req.sign)
      if (signing) {
        const s = signing.settings
        const signed = aws4.sign(
          { host: url.host, path: url.pathname + url.search, method: req.method, headers: { ...headers }, body, service: s.service, region: s.region },
          { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey, ...(s.sessionToken ? { sessionToken: s.sessionToken } : {}) },
        )
        finalHeaders = Object.fromEntries(Object.entries(signed.headers ?? {}).map(([k, v]) => [k, String(v)]))
        // undici sets Host itself; a second one would be refused.
        delete finalHeaders.Host
        delete finalHeaders.host
        if (signing.tamper) finalHeaders.Authorization = tamperSignature(String(finalHeaders.Authorization ?? ''))
      }
      const signedAs = signing ? { signed: `${signing.settings.service}${signing.tamper ? ' (tampered)' : ''}` } : {}
      opts.trace.record(client, 'out', { method: req.method, path: url.pathname + url.search, ...signedAs, ...(body !== undefined ? { body: body.length > 200 ? `${body.slice(0, 200)}...` : body } : {}) })
      const started = performance.now()
      const timeout = AbortSignal.timeout(Math.max(1, Math.ceil(timeoutMs)))
      try {
        const res = await request(url, {
          method: req.method as Dispatcher.HttpMethod,
          headers: finalHeaders,
          body,
          dispatcher,
          signal: AbortSignal.any([signal, timeout]),
        })
        const text = await res.body.text()
        const latencyMs = performance.now() - started
        const resHeaders: Record<string, string> = {}
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) resHeaders[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v)
        let parsed: unknown = text
        if (/json/i.test(resHeaders['content-type'] ?? '') || /^\s*[{[]/.test(text)) {
          try { parsed = JSON.parse(text) } catch { parsed = text }
        }
        opts.trace.record(client, 'in', { status: res.statusCode, latencyMs: Math.round(latencyMs * 10) / 10, body: text.length > 300 ? `${text.slice(0, 300)}...` : text })
        return { status: res.statusCode, headers: resHeaders, body: parsed, text, latencyMs }
      } catch (err) {
        if (timeout.aborted && !signal.aborted) throw new ExpectationFailure(`no HTTP response to ${req.method} ${url.pathname} within ${timeoutMs} ms`)
        if (isUnreachable(err)) throw unreachable(url.origin, err)
        if (signal.aborted) throw err
        throw new ExpectationFailure(`HTTP ${req.method} ${url.pathname} failed: ${(err as Error).message}`)
      }
    },
    close: () => dispatcher.close().catch(() => {}),
  }
}

/**
 * The credentials one request is signed with, or null for unsigned: the
 * endpoint's by default, none with `sign: false`, the endpoint's with the
 * step's changes otherwise. A step that asks for a signature the target cannot
 * give (no credentials and no complete key in `sign:`) is a StepError.
 */
export function signingFor(base: SigV4Settings | undefined, sign: SignOption | undefined): { settings: SigV4Settings; tamper: boolean } | null {
  if (sign === false || (sign === undefined && !base)) return null
  const change = typeof sign === 'object' ? sign : {}
  const accessKeyId = change.accessKeyId ?? base?.accessKeyId
  const secretAccessKey = change.secretAccessKey ?? base?.secretAccessKey
  if (accessKeyId === undefined || secretAccessKey === undefined) {
    throw new StepError('sign: the target has no SigV4 credentials to sign with (http.sigv4 in the target file); add requires: [sigv4], or give accessKeyId and secretAccessKey')
  }
  // A session token belongs to its key pair: it goes along only while the key id is the target's.
  const sessionToken = change.accessKeyId === undefined || change.accessKeyId === base?.accessKeyId ? base?.sessionToken : undefined
  return {
    settings: {
      accessKeyId,
      secretAccessKey,
      ...(sessionToken ? { sessionToken } : {}),
      region: change.region ?? base?.region ?? 'us-east-1',
      service: change.service ?? base?.service ?? 'iotdata',
    },
    tamper: change.tamper === true,
  }
}

/** Changes the last hex digit of an Authorization header's signature: still well-formed, no longer valid. */
function tamperSignature(authorization: string): string {
  return authorization.replace(/([0-9a-f])$/, (d) => (d === '0' ? '1' : '0'))
}
