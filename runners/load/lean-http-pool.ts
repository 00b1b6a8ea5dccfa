import net from 'node:net'
import tls from 'node:tls'
import { parseHttpResponse } from './http-response-parser.js'
import { httpPostBytes } from './http-request-bytes.js'

/** How a request ended: a response, the client's own timeout, or a failed connection. */
export type LeanOutcome =
  | { kind: 'response'; status: number; body: Buffer }
  | { kind: 'timeout'; message: string }
  | { kind: 'error'; code: string; message: string }

export interface LeanHttpPoolOptions {
  /** `http://host:port` or `https://host:port` (a path is ignored). */
  origin: string
  connections: number
  /** Per request, from when it is written; past it the connection is dropped and the request counts as a client timeout. */
  timeoutMs: number
  /** CA bundle for https. */
  ca?: Buffer
}

interface Conn {
  socket: net.Socket | undefined
  chunks: Buffer | undefined
  done: ((o: LeanOutcome) => void) | undefined
  deadline: number
}

/**
 * A lean HTTP/1.1 client for the open-model driver: a fixed set of
 * keep-alive connections, one request in flight on each, the response parsed by
 * content-length or chunked coding with no streams, promises or per-request
 * timers (one sweep checks deadlines), each request one write. The profile of the undici-based
 * driver showed its per-request machinery (Request objects, body streams,
 * promise chains) holding it to about 0.6 of raw autocannon on the same
 * endpoint; this keeps to what a load generator needs. Callers send only
 * when `idle > 0`.
 */
export class LeanHttpPool {
  private readonly url: URL
  private readonly hostHeader: string
  private readonly free: Conn[] = []
  private readonly all: Conn[] = []
  private busy = 0
  private readonly sweep: NodeJS.Timeout
  private closed = false
  /** Where plain TCP connections read (one read at a time, whichever connection it is). */
  private readonly readBuffer = Buffer.allocUnsafe(64 * 1024)

  constructor(private readonly opts: LeanHttpPoolOptions) {
    this.url = new URL(opts.origin)
    this.hostHeader = this.url.host
    for (let i = 0; i < opts.connections; i++) this.all.push({ socket: undefined, chunks: undefined, done: undefined, deadline: 0 })
    this.free.push(...this.all)
    this.sweep = setInterval(() => this.expire(), Math.max(20, Math.min(1000, opts.timeoutMs / 10)))
    this.sweep.unref()
  }

  /** Connections free for a request now. */
  get idle(): number {
    return this.free.length
  }

  get inFlight(): number {
    return this.busy
  }

  /**
   * Sends `POST path` with `headers` (lower-case names; host and
   * content-length are added) and `body`; `done` gets the outcome exactly once.
   */
  post(path: string, headers: Record<string, string>, body: Buffer, done: (o: LeanOutcome) => void): void {
    this.send(httpPostBytes(this.hostHeader, path, headers, body), done)
  }

  /**
   * Sends one complete HTTP/1.1 request (`bytes`: head and body, its `host` the
   * pool's origin) on a free connection, in one write; `done` gets the outcome exactly once.
   */
  send(bytes: Buffer, done: (o: LeanOutcome) => void): void {
    const conn = this.free.pop()
    if (!conn || this.closed) { done({ kind: 'error', code: 'HX_LOAD_POOL_FULL', message: 'no free connection' }); return }
    this.busy++
    const socket = conn.socket ?? this.connect(conn)
    conn.done = done
    conn.chunks = undefined
    conn.deadline = performance.now() + this.opts.timeoutMs
    socket.write(bytes)
  }

  /** The `host` header requests on this pool carry. */
  get host(): string {
    return this.hostHeader
  }

  private connect(conn: Conn): net.Socket {
    const port = Number(this.url.port) || (this.url.protocol === 'https:' ? 443 : 80)
    const host = this.url.hostname.replace(/^\[|\]$/g, '')
    const socket = this.url.protocol === 'https:'
      ? tls.connect({ host, port, ...(this.opts.ca ? { ca: this.opts.ca } : {}), ...(net.isIP(host) ? {} : { servername: host }), ALPNProtocols: ['http/1.1'] })
      // Plain TCP reads into one buffer the pool reuses (onread), not a fresh one per read: about
      // a tenth of the driver's CPU per request. Its bytes are copied out of it before the next read.
      : net.connect({ host, port, onread: { buffer: this.readBuffer, callback: (n: number, buf: Uint8Array) => { this.onData(conn, socket, (buf as Buffer).subarray(0, n), true); return true } } })
    socket.setNoDelay(true)
    socket.setKeepAlive(true, 60_000)
    conn.socket = socket
    socket.on('data', (d: Buffer) => this.onData(conn, socket, d, false))
    socket.on('end', () => this.onGone(conn, socket, undefined, true))
    socket.on('error', (err: NodeJS.ErrnoException) => this.onGone(conn, socket, err, false))
    socket.on('close', () => this.onGone(conn, socket, undefined, false))
    return socket
  }

  /** Bytes read from `socket` (`shared`: in the pool's read buffer, valid until the next read). */
  private onData(conn: Conn, socket: net.Socket, d: Buffer, shared: boolean): void {
    if (conn.socket !== socket) return
    if (!conn.done) { socket.destroy(); return } // bytes nobody asked for: the connection cannot be trusted
    const buf = conn.chunks ? Buffer.concat([conn.chunks, d]) : d
    const inReadBuffer = shared && buf === d
    let r
    try {
      r = parseHttpResponse(buf)
    } catch (err) {
      this.finish(conn, { kind: 'error', code: 'HX_LOAD_BAD_RESPONSE', message: (err as Error).message }, true)
      return
    }
    if (!r) { conn.chunks = inReadBuffer ? Buffer.from(buf) : buf; return }
    this.finish(conn, { kind: 'response', status: r.status, body: inReadBuffer ? Buffer.from(r.body) : r.body }, r.close || r.length !== buf.length)
  }

  /** The connection ended or failed: a request on it fails (or, for a close-delimited body, completes). */
  private onGone(conn: Conn, socket: net.Socket, err: NodeJS.ErrnoException | undefined, ended: boolean): void {
    if (conn.socket !== socket) return
    if (conn.done) {
      let outcome: LeanOutcome = { kind: 'error', code: err?.code ?? 'ECONNRESET', message: err?.message ?? 'the server closed the connection before the response' }
      if (ended && conn.chunks) {
        try {
          const r = parseHttpResponse(conn.chunks, true)
          if (r) outcome = { kind: 'response', status: r.status, body: r.body }
        } catch { /* keep the error */ }
      }
      this.finish(conn, outcome, true)
    } else {
      conn.socket = undefined
      socket.destroy()
    }
  }

  /** Settles the connection's request and hands the connection back (dropping the socket when it cannot be reused). */
  private finish(conn: Conn, outcome: LeanOutcome, drop: boolean): void {
    const done = conn.done!
    conn.done = undefined
    conn.chunks = undefined
    if (drop && conn.socket) { conn.socket.destroy(); conn.socket = undefined }
    this.busy--
    this.free.push(conn)
    done(outcome)
  }

  private expire(): void {
    const now = performance.now()
    for (const conn of this.inFlightConns()) {
      if (conn.deadline <= now) this.finish(conn, { kind: 'timeout', message: `no response within ${this.opts.timeoutMs} ms` }, true)
    }
  }

  private inFlightConns(): Conn[] {
    return this.all.filter((c) => c.done)
  }

  /** Closes every connection; requests in flight fail. */
  async close(): Promise<void> {
    this.closed = true
    clearInterval(this.sweep)
    for (const conn of this.inFlightConns()) this.finish(conn, { kind: 'error', code: 'HX_LOAD_POOL_CLOSED', message: 'the pool was closed' }, true)
    for (const conn of this.free) { conn.socket?.destroy(); conn.socket = undefined }
  }
}
