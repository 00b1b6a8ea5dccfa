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
    const cleanup = () => {
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', onError)
      req.off('close', onClose)
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        cleanup()
        req.pause()
        chunks.length = 0
        reject(tooLarge('payload-too-large', `Payload exceeds the maximum of ${limit} bytes`))
        return
      }
      chunks.push(chunk)
    }
    const onEnd = () => {
      cleanup()
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size))
    }
    const onError = () => {
      cleanup()
      reject(new RequestAbortedError())
    }
    const onClose = () => {
      if (req.complete) return
      cleanup()
      reject(new RequestAbortedError())
    }
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', onError)
    req.on('close', onClose)
  })
}
