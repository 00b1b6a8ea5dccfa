import net from 'node:net'
import tls from 'node:tls'
import http from 'node:http'
import https from 'node:https'
import { readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { randomUUID } from 'node:crypto'
import { WebSocketServer } from 'ws'
import type { AwsBroker } from './aws-broker.js'
import { ListenError } from './errors.js'
import { createWebSocketTransport, webSocketByteStream, type WebSocketTransport } from './websocket-transport.js'

/** PEM material as a string/Buffer, or a path to a PEM file. */
export type Pem = string | Buffer

export interface TlsListenerOptions {
  key: Pem
  cert: Pem
  /** CA bundle that client certificates must chain to (mutual TLS). */
  ca?: Pem
  /** Ask for a client certificate (mutual TLS). */
  requestCert?: boolean
  /** Refuse a handshake without a valid client certificate (default: same as requestCert). */
  rejectUnauthorized?: boolean
  /** Per-SNI-name certificates. */
  sni?: Record<string, { key: Pem; cert: Pem }>
  /** Refuse handshakes that send no SNI [CONN-SNI] (contradiction C11: off by default). */
  requireSni?: boolean
}

function pem(value: Pem): Buffer {
  if (Buffer.isBuffer(value)) return value
  if (value.includes('-----BEGIN')) return Buffer.from(value)
  try {
    return readFileSync(value)
  } catch (err) {
    throw new ListenError(`cannot read PEM file ${value}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
}

/** Builds a TLS server; PEM material it cannot use is a ListenError (HX_BROKER_LISTEN), not a crash. */
function withTlsMaterial<T>(what: string, create: () => T): T {
  try {
    return create()
  } catch (err) {
    if (err instanceof ListenError) throw err
    throw new ListenError(`cannot listen for ${what}: unusable TLS material: ${(err as Error).message}`)
  }
}

export interface Listener {
  port: number
  close(): Promise<void>
}

async function listen(server: net.Server, port: number, host: string, what: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => reject(new ListenError(`cannot listen for ${what} on ${host}:${port}: ${err.code ?? err.message}`))
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      resolve()
    })
  })
  return (server.address() as AddressInfo).port
}

function closer(server: net.Server, extra?: () => void): () => Promise<void> {
  return () => new Promise<void>((resolve) => {
    extra?.()
    server.close(() => resolve())
    ;(server as http.Server).closeAllConnections?.()
  })
}

export async function listenTcp(broker: AwsBroker, port: number, host: string): Promise<Listener> {
  const server = net.createServer((socket) => {
    socket.setNoDelay(true)
    broker.accept(socket, { transport: 'tcp', remoteAddress: socket.remoteAddress })
  })
  return { port: await listen(server, port, host, 'MQTT'), close: closer(server) }
}

export async function listenTls(broker: AwsBroker, port: number, host: string, opts: TlsListenerOptions): Promise<Listener> {
  const contexts = new Map<string, tls.SecureContext>()
  withTlsMaterial('MQTT over TLS', () => {
    for (const [name, m] of Object.entries(opts.sni ?? {})) contexts.set(name.toLowerCase(), tls.createSecureContext({ key: pem(m.key), cert: pem(m.cert), ca: opts.ca ? pem(opts.ca) : undefined }))
  })
  const requestCert = opts.requestCert ?? false
  const server = withTlsMaterial('MQTT over TLS', () => tls.createServer({
    key: pem(opts.key),
    cert: pem(opts.cert),
    ca: opts.ca ? pem(opts.ca) : undefined,
    requestCert,
    rejectUnauthorized: opts.rejectUnauthorized ?? requestCert,
    SNICallback: (servername, cb) => {
      if (opts.requireSni && !servername) return cb(new Error('SNI required'))
      cb(null, contexts.get(servername.toLowerCase()))
    },
  }, (socket) => {
    socket.setNoDelay(true)
    if (opts.requireSni && !(socket as tls.TLSSocket & { servername?: string | false }).servername) {
      socket.destroy()
      return
    }
    const peer = requestCert ? socket.getPeerCertificate() : undefined
    const subject = peer && peer.subject ? String(peer.subject.CN ?? '') : undefined
    broker.accept(socket, {
      transport: 'tls',
      remoteAddress: socket.remoteAddress,
      certificateSubject: subject || undefined,
      servername: (socket as tls.TLSSocket & { servername?: string | false }).servername || undefined,
    })
  }))
  // A failed handshake is the client's problem; it must not reach the process.
  server.on('tlsClientError', () => {})
  return { port: await listen(server, port, host, 'MQTT over TLS'), close: closer(server) }
}

/** MQTT over WebSocket: the transport's rules (section 6) decide the subprotocol and which frames are read. */
export async function listenWebSocket(broker: AwsBroker, port: number, host: string, transport: WebSocketTransport = createWebSocketTransport()): Promise<Listener> {
  const server = http.createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('MQTT over WebSocket: connect with a WebSocket client, subprotocol mqtt\n')
  })
  const wss = new WebSocketServer({
    server,
    handleProtocols: (protocols) => transport.selectProtocol(protocols),
  })
  // ws re-emits the HTTP server's errors on the WebSocketServer; a busy port is already a
  // ListenError from listen(), and must not also be an unhandled 'error' that kills the process.
  wss.on('error', () => {})
  wss.on('connection', (ws, req) => {
    const stream = webSocketByteStream(ws, transport)
    broker.accept(stream, { transport: 'ws', remoteAddress: req.socket.remoteAddress })
  })
  return { port: await listen(server, port, host, 'MQTT over WebSocket'), close: closer(server, () => { for (const c of wss.clients) c.terminate(); wss.close() }) }
}

/**
 * A CONNECT request, or one asking for a protocol upgrade, never reaches the
 * data plane's handler: Node hands it to the 'connect' / 'upgrade' event and,
 * with nobody listening, closes the connection without a word. Such a request
 * is answered in the AWS error shape (405 / 400, `x-amzn-ErrorType`, JSON
 * `message` and `traceId`) and the connection closed [HTTP-ERRORS].
 */
function answerNonHttpRequests(server: http.Server): void {
  const refuse = (status: number, type: string, message: string) => (_req: http.IncomingMessage, socket: Duplex) => {
    const traceId = randomUUID()
    const body = JSON.stringify({ message, traceId })
    socket.on('error', () => {})
    socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nx-amzn-ErrorType: ${type}\r\nx-amzn-RequestId: ${traceId}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`)
  }
  server.on('connect', refuse(405, 'MethodNotAllowedException', 'Method not allowed; CONNECT is not supported'))
  server.on('upgrade', refuse(400, 'InvalidRequestException', 'Protocol upgrade is not supported by the HTTP data plane'))
}

export async function listenHttp(handler: http.RequestListener, port: number, host: string): Promise<Listener> {
  const server = http.createServer(handler)
  answerNonHttpRequests(server)
  return { port: await listen(server, port, host, 'HTTP'), close: closer(server) }
}

/**
 * The HTTP data plane over TLS [HTTP-PORTS-ALPN]. A client certificate is
 * requested (when a CA is given) but not required, because SigV4 callers have
 * none; the data plane decides who a caller is [DM-AUTH-MODES].
 */
export async function listenHttps(handler: http.RequestListener, port: number, host: string, opts: TlsListenerOptions): Promise<Listener> {
  const server = withTlsMaterial('HTTPS', () => https.createServer({
    key: pem(opts.key),
    cert: pem(opts.cert),
    ca: opts.ca ? pem(opts.ca) : undefined,
    requestCert: opts.requestCert === true || opts.ca !== undefined,
    rejectUnauthorized: opts.rejectUnauthorized ?? false,
  }, handler))
  answerNonHttpRequests(server)
  server.on('tlsClientError', () => {})
  return { port: await listen(server, port, host, 'HTTPS'), close: closer(server) }
}
