import { Writable } from 'node:stream'
import { request, type Dispatcher } from 'undici'
import { createLogger, type Logger } from '../index.js'

/** One HTTP exchange with the data plane, body parsed as JSON when there is one. */
export interface HttpResult {
  status: number
  headers: Record<string, string | string[] | undefined>
  json: Record<string, any>
  text: string
  /** When the response headers arrived (ms since epoch). */
  at: number
}

/** A request to the broker's data plane (undici, real sockets, with a deadline). */
export async function http(base: string, method: Dispatcher.HttpMethod, path: string, options: { body?: string | Buffer; headers?: Record<string, string>; timeoutMs?: number; dispatcher?: Dispatcher } = {}): Promise<HttpResult> {
  const res = await request(base + path, {
    method,
    dispatcher: options.dispatcher,
    body: options.body,
    headers: options.headers,
    headersTimeout: options.timeoutMs ?? 20_000,
    bodyTimeout: options.timeoutMs ?? 20_000,
  })
  const at = Date.now()
  const text = await res.body.text()
  let json: Record<string, any> = {}
  try {
    json = text ? JSON.parse(text) : {}
  } catch {
    json = {}
  }
  return { status: res.statusCode, headers: res.headers, json, text, at }
}

/** `POST /connections/{id}/messages?...` with the query given as an object. */
export function sendDirect(base: string, clientId: string, query: Record<string, string>, body: string | Buffer = 'payload', headers: Record<string, string> = {}): Promise<HttpResult> {
  const qs = new URLSearchParams(query).toString()
  return http(base, 'POST', `/connections/${encodeURIComponent(clientId)}/messages${qs ? '?' + qs : ''}`, { body, headers })
}

/** A pino logger whose JSON lines are kept in memory, for assertions on request logs. */
export function memoryLogger(): { logger: Logger; lines: Record<string, any>[] } {
  const lines: Record<string, any>[] = []
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line))
      cb()
    },
  })
  return { logger: createLogger('info', sink), lines }
}

/** Base64 of JSON, as the x-amz-mqtt5-user-properties header wants it. */
export function b64json(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64')
}

/** Checks the AWS REST JSON error shape: status, x-amzn-ErrorType, message and traceId. */
export function errorShape(r: HttpResult): { status: number; type: unknown; hasMessage: boolean; traceIdMatches: boolean } {
  return {
    status: r.status,
    type: r.headers['x-amzn-errortype'],
    hasMessage: typeof r.json.message === 'string' && r.json.message.length > 0,
    traceIdMatches: typeof r.json.traceId === 'string' && r.json.traceId.length > 0 && r.headers['x-amzn-requestid'] === r.json.traceId,
  }
}

/**
 * What a data-plane check throws for `fn`: its status, exception type, reason
 * and message. Fails the test when `fn` returns instead of throwing.
 */
export function refusal(fn: () => unknown): { status: number; type: string; reason: string; message: string } {
  let thrown: unknown
  try {
    fn()
  } catch (err) {
    thrown = err
  }
  if (thrown === undefined) throw new Error('expected a refusal, but the check passed')
  const e = thrown as { status: number; type: string; reason: string; message: string; name: string }
  if (e.name !== 'ApiError') throw thrown
  return { status: e.status, type: e.type, reason: e.reason, message: e.message }
}
