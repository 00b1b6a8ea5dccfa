import type http from 'node:http'
import { ApiError } from './api-error.js'

/** What a response writer needs from the request in flight. */
export interface Exchange {
  req: http.IncomingMessage
  res: http.ServerResponse
  traceId: string
  /** Filled in when the response is written; the request log reads it. */
  outcome: { status: number; reason: string; errorType?: string }
}

/** How long a connection whose request body was not read may linger after the response. */
const UNREAD_BODY_LINGER_MS = 100

/**
 * Writes the response. A body the client is still sending (an early 400, 413,
 * 403...) is not read: the request stays paused, the response says
 * `connection: close`, and the socket is destroyed shortly after the response
 * has been handed to the kernel, so a client streaming 50 MB cannot make the
 * server read it [DM-STATUS-413].
 */
function write(ex: Exchange, status: number, headers: Record<string, string> | null, body: string, bodyBytes: number): void {
  const { req, res } = ex
  if (res.headersSent) return
  if (res.destroyed) {
    ex.outcome = { status: 0, reason: 'caller-gone' } // nobody to answer: the log must not claim a status
    return
  }
  const unread = !req.complete
  if (unread) req.pause()
  // The headers as writeHead's flat name/value list (no object walked per response).
  const fields: string[] = []
  if (headers) for (const name in headers) fields.push(name, headers[name]!)
  if (unread) fields.push('connection', 'close')
  fields.push('x-amzn-RequestId', ex.traceId)
  if (body) fields.push('content-type', 'application/json')
  fields.push('content-length', String(bodyBytes))
  res.writeHead(status, fields)
  if (!unread) return void res.end(body)
  res.end(body, () => {
    setTimeout(() => req.socket.destroy(), UNREAD_BODY_LINGER_MS).unref()
  })
}

/** The bytes of `{"message":"OK","traceId":"<UUID>"}`: all ASCII, as long as its characters. */
const PLAIN_OK_BYTES = '{"message":"OK","traceId":""}'.length

/** 200 with a JSON body; `message` (default `OK`) and `traceId` are always present [DM-RESPONSE-BODY]. */
export function sendOk(ex: Exchange, reason: string, body?: Record<string, unknown>): void {
  ex.outcome = { status: 200, reason }
  if (body !== undefined) {
    const json = JSON.stringify({ message: 'OK', ...body, traceId: ex.traceId })
    return write(ex, 200, null, json, Buffer.byteLength(json))
  }
  // The plain 200 (SendDirectMessage, Publish) is the same JSON.stringify would write: the
  // traceId is a UUID (ASCII), with nothing to escape.
  write(ex, 200, null, `{"message":"OK","traceId":"${ex.traceId}"}`, PLAIN_OK_BYTES + ex.traceId.length)
}

/** 200 with no body (DeleteConnection [API-DELETE-CONNECTION]). */
export function sendEmpty(ex: Exchange, reason: string): void {
  ex.outcome = { status: 200, reason }
  write(ex, 200, null, '', 0)
}

/** An error in the AWS REST JSON shape: `x-amzn-ErrorType` header and `{ message, traceId }` [DM-RESPONSE-BODY]. */
export function sendError(ex: Exchange, err: ApiError): void {
  ex.outcome = { status: err.status, reason: err.reason, errorType: err.type }
  const json = JSON.stringify({ message: err.message, traceId: ex.traceId })
  write(ex, err.status, { 'x-amzn-ErrorType': err.type, ...err.headers }, json, Buffer.byteLength(json))
}
