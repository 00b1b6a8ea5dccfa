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

/** The read in progress of one request's body, found from the request (the listeners' `this`). */
const READ = Symbol('body read')
type Reading = http.IncomingMessage & { [READ]?: BodyRead }

/**
 * One body being read. Its listeners are module functions that find it on the
 * request, so a read allocates this object and its promise and nothing else
 * (no closure per request: the data plane pays every allocation once per call).
 */
class BodyRead {
  /** What every read of this request gets while this one is in progress. */
  readonly body: Promise<Buffer>
  private readonly chunks: Buffer[] = []
  private size = 0
  private resolve!: (body: Buffer) => void
  private reject!: (err: Error) => void

  constructor(
    private readonly req: Reading,
    private readonly limit: number,
  ) {
    this.body = new Promise<Buffer>((resolve, reject) => {
      this.resolve = resolve
      this.reject = reject
    })
    req[READ] = this
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', onError)
    req.on('close', onClose)
  }

  data(chunk: Buffer): void {
    this.size += chunk.length
    if (this.size > this.limit) {
      this.done()
      this.req.pause()
      this.chunks.length = 0
      this.reject(tooLarge('payload-too-large', `Payload exceeds the maximum of ${this.limit} bytes`))
      return
    }
    this.chunks.push(chunk)
  }

  end(): void {
    this.done()
    const { chunks } = this
    this.resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.size))
  }

  aborted(): void {
    this.done()
    this.reject(new RequestAbortedError())
  }

  /** Leaves no listener behind on the request. */
  private done(): void {
    const { req } = this
    req[READ] = undefined
    req.off('data', onData)
    req.off('end', onEnd)
    req.off('error', onError)
    req.off('close', onClose)
  }
}

function onData(this: Reading, chunk: Buffer): void {
  this[READ]?.data(chunk)
}
function onEnd(this: Reading): void {
  this[READ]?.end()
}
function onError(this: Reading): void {
  this[READ]?.aborted()
}
function onClose(this: Reading): void {
  if (!this.complete) this[READ]?.aborted()
}

/**
 * Reads a request body of at most `limit` bytes. The declared Content-Length is
 * checked before anything is read; a chunked body is read only until it
 * crosses the limit, then reading stops (the request is paused) and the 413 is
 * thrown [DM-STATUS-413]. Memory use is therefore bounded by `limit` whatever
 * the client sends. A read while another of the same request is in progress
 * gets that read's outcome (its limit); a read after it is done, the empty body.
 */
export function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers['content-length']
  if (declared !== undefined && Number(declared) > limit) {
    return Promise.reject(tooLarge('payload-too-large', `Payload of ${declared} bytes exceeds the maximum of ${limit} bytes`))
  }
  // A second read while one is in progress shares it: a second set of listeners would count
  // every chunk twice and leave the first read unsettled and its listeners attached.
  const reading = (req as Reading)[READ]
  if (reading !== undefined) return reading.body
  if (req.complete && req.readableEnded) return Promise.resolve(EMPTY)
  return new BodyRead(req, limit).body
}
