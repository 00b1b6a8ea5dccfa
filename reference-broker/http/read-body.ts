import type http from 'node:http'
import { tooLarge } from './api-error.js'

/** The client went away before its body arrived: there is nobody to answer. */
export class RequestAbortedError extends Error {
  constructor() {
    super('client closed the request before its body was complete')
    this.name = 'RequestAbortedError'
  }
}

/** The body of a request without one (never written to: it has no bytes). */
export const EMPTY = Buffer.alloc(0)

/**
 * Reads a request body of at most `limit` bytes. The declared Content-Length is
 * checked before anything is read; a chunked body is read only until it
 * crosses the limit, then reading stops (the request is paused) and the 413 is
 * thrown [DM-STATUS-413]. Memory use is therefore bounded by `limit` whatever
 * the client sends.
 */
export function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers['content-length']
  if (declared !== undefined && Number(declared) > limit) {
    return Promise.reject(tooLarge('payload-too-large', `Payload of ${declared} bytes exceeds the maximum of ${limit} bytes`))
  }
  if (req.complete && req.readableEnded) return Promise.resolve(EMPTY)
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    // Settled: later events are ignored. The listeners stay on the request (one per request,
    // gone with it) rather than being removed one by one: this runs once per data-plane call.
    let settled = false
    req.on('data', (chunk: Buffer) => {
      if (settled) return
      size += chunk.length
      if (size > limit) {
        settled = true
        req.pause()
        chunks.length = 0
        reject(tooLarge('payload-too-large', `Payload exceeds the maximum of ${limit} bytes`))
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => {
      if (settled) return
      settled = true
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size))
    })
    req.on('error', () => {
      if (settled) return
      settled = true
      reject(new RequestAbortedError())
    })
    req.on('close', () => {
      if (settled || req.complete) return
      settled = true
      reject(new RequestAbortedError())
    })
  })
}
