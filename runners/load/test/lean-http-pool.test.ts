import { afterEach, describe, expect, it } from 'vitest'
import https from 'node:https'
import net from 'node:net'
import type { AddressInfo } from 'node:net'
import { makeTlsMaterial } from '../../../test/tls-material.js'
import { parseHttpResponse } from '../http-response-parser.js'
import { LeanHttpPool, type LeanOutcome } from '../lean-http-pool.js'

// The open-model driver's HTTP client against raw TCP servers that answer in
// every way HTTP/1.1 allows (and a few it does not).
const closers: (() => void)[] = []
afterEach(() => { for (const c of closers.splice(0)) c() })

/** A TCP server answering each request (after its head and body arrived) with `answer(n)`; counts connections. */
async function rawServer(answer: (n: number, socket: net.Socket) => string | null) {
  let connections = 0
  let requests = 0
  const server = net.createServer((socket) => {
    connections++
    let buf = ''
    socket.on('data', (d) => {
      buf += d.toString('latin1')
      for (;;) {
        const end = buf.indexOf('\r\n\r\n')
        if (end < 0) return
        const len = Number(/content-length: (\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0)
        if (buf.length < end + 4 + len) return
        buf = buf.slice(end + 4 + len)
        const text = answer(++requests, socket)
        if (text !== null) socket.write(text)
      }
    })
    socket.on('error', () => {})
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  closers.push(() => server.close())
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, stats: () => ({ connections, requests }) }
}

function post(pool: LeanHttpPool, body = 'x'): Promise<LeanOutcome> {
  return new Promise((resolve) => pool.post('/p?q=1', { 'content-type': 'text/plain' }, Buffer.from(body), resolve))
}

const ok = (body: string, extra = '') => `HTTP/1.1 200 OK\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`

describe('LeanHttpPool', () => {
  it('reuses keep-alive connections: content-length bodies, chunked bodies, split across packets', async () => {
    const s = await rawServer((n, socket) => {
      if (n % 3 === 1) return ok(`{"n":${n}}`)
      if (n % 3 === 2) return `HTTP/1.1 504 Gateway Timeout\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=1\r\n world\r\n0\r\n\r\n`
      const text = ok('split')
      socket.write(text.slice(0, 10))
      setTimeout(() => socket.write(text.slice(10)), 20)
      return null
    })
    const pool = new LeanHttpPool({ origin: s.origin, connections: 2, timeoutMs: 2000 })
    closers.push(() => void pool.close())
    const outcomes: LeanOutcome[] = []
    for (let i = 0; i < 6; i++) outcomes.push(await post(pool))
    expect(outcomes.map((o) => (o.kind === 'response' ? `${o.status} ${o.body.toString()}` : o.kind))).toEqual(['200 {"n":1}', '504 hello world', '200 split', '200 {"n":4}', '504 hello world', '200 split'])
    expect(s.stats()).toEqual({ connections: 1, requests: 6 })
    expect(pool.idle).toBe(2)
  })

  it('Connection: close and close-delimited bodies: the response counts, the next request opens a new connection', async () => {
    const s = await rawServer((n, socket) => {
      if (n === 1) return ok('bye', 'connection: close\r\n')
      socket.end('HTTP/1.1 200 OK\r\n\r\nuntil close')
      return null
    })
    const pool = new LeanHttpPool({ origin: s.origin, connections: 1, timeoutMs: 2000 })
    closers.push(() => void pool.close())
    const a = await post(pool)
    const b = await post(pool)
    expect([a, b].map((o) => (o.kind === 'response' ? o.body.toString() : o.kind))).toEqual(['bye', 'until close'])
    expect(s.stats().connections).toBe(2)
  })

  it('a request with no answer within the timeout ends as a timeout and its connection is replaced', async () => {
    const s = await rawServer((n) => (n === 1 ? null : ok('late ok')))
    const pool = new LeanHttpPool({ origin: s.origin, connections: 1, timeoutMs: 200 })
    closers.push(() => void pool.close())
    const t0 = performance.now()
    const a = await post(pool)
    expect(a.kind).toBe('timeout')
    expect(performance.now() - t0).toBeGreaterThanOrEqual(195)
    expect(performance.now() - t0).toBeLessThan(1500)
    const b = await post(pool)
    expect(b.kind === 'response' && b.body.toString()).toBe('late ok')
    expect(s.stats().connections).toBe(2)
  })

  it('refused connections, resets and malformed responses end as errors, each request exactly once', async () => {
    const refused = new LeanHttpPool({ origin: 'http://127.0.0.1:1', connections: 1, timeoutMs: 2000 })
    closers.push(() => void refused.close())
    const r = await post(refused)
    expect(r.kind === 'error' && r.code).toBe('ECONNREFUSED')
    const s = await rawServer((n, socket) => { if (n === 1) { socket.destroy(); return null } return 'SMTP ready\r\n\r\n' })
    const pool = new LeanHttpPool({ origin: s.origin, connections: 1, timeoutMs: 2000 })
    closers.push(() => void pool.close())
    const reset = await post(pool)
    expect(reset.kind).toBe('error')
    const bad = await post(pool)
    expect(bad.kind === 'error' && bad.code).toBe('HX_LOAD_BAD_RESPONSE')
    expect(pool.idle).toBe(1)
  })

  it('speaks HTTPS with a given CA', async () => {
    const tls = makeTlsMaterial()
    const server = https.createServer({ key: tls.serverKey, cert: tls.serverCert }, (req, res) => { req.resume(); req.on('end', () => res.end('secure')) })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
    closers.push(() => { server.closeAllConnections(); server.close() })
    const pool = new LeanHttpPool({ origin: `https://localhost:${(server.address() as AddressInfo).port}`, connections: 1, timeoutMs: 2000, ca: tls.ca })
    closers.push(() => void pool.close())
    const o = await post(pool)
    expect(o.kind === 'response' && o.body.toString()).toBe('secure')
  })
})

describe('parseHttpResponse', () => {
  it('waits for the whole response and says how many bytes it took', () => {
    const full = Buffer.from(ok('abc') + 'HTTP/1.1 200')
    expect(parseHttpResponse(full.subarray(0, 20))).toBeNull()
    const r = parseHttpResponse(full)!
    expect([r.status, r.body.toString(), r.length, r.close]).toEqual([200, 'abc', Buffer.byteLength(ok('abc')), false])
    expect(parseHttpResponse(Buffer.from('HTTP/1.1 204 No Content\r\n\r\n'))!.body.length).toBe(0)
    expect(() => parseHttpResponse(Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\nabc'), true)).toThrow(/closed in the body/)
  })

  it('reads the three headers that matter in any case and with any neighbours, and only those', () => {
    const chunked = parseHttpResponse(Buffer.from('HTTP/1.1 504 Gateway Timeout\r\nContent-Type: application/json\r\nTRANSFER-ENCODING: gzip, Chunked\r\nx-trace: 1\r\n\r\n3\r\nabc\r\n0\r\n\r\n'))!
    expect([chunked.status, chunked.body.toString()]).toEqual([504, 'abc'])
    const closing = parseHttpResponse(Buffer.from('HTTP/1.1 200 OK\r\nDate: x\r\nCONTENT-LENGTH: 2\r\nConnection: Close\r\n\r\nok'))!
    expect([closing.body.toString(), closing.close]).toEqual(['ok', true])
    // A header that only ends like content-length is not it: the body then runs to the close.
    expect(parseHttpResponse(Buffer.from('HTTP/1.1 200 OK\r\nx-content-length: 2\r\n\r\nokmore'))).toBeNull()
    expect(parseHttpResponse(Buffer.from('HTTP/1.1 200 OK\r\nx-content-length: 2\r\n\r\nokmore'), true)!.body.toString()).toBe('okmore')
    for (const bad of ['abc', '', '5.0', '-1', '1 2']) expect(() => parseHttpResponse(Buffer.from(`HTTP/1.1 200 OK\r\ncontent-length: ${bad}\r\n\r\nok`))).toThrow(/bad content-length/)
    expect(parseHttpResponse(Buffer.from('HTTP/1.1 200 OK\r\ncontent-length :  2 \r\n\r\nok'))!.body.toString()).toBe('ok')
    expect(() => parseHttpResponse(Buffer.from('HTTP/1.1 2x0 OK\r\n\r\n'))).toThrow(/not an HTTP\/1.1 status line/)
    expect(() => parseHttpResponse(Buffer.from('HTTP/2.0 200 OK\r\n\r\n'))).toThrow(/not an HTTP\/1.1 status line/)
    expect(parseHttpResponse(Buffer.from('HTTP/1.1 404\r\ncontent-length: 0\r\n\r\n'))!.status).toBe(404)
    // HTTP/1.0 closes unless it says keep-alive.
    expect(parseHttpResponse(Buffer.from('HTTP/1.0 200 OK\r\ncontent-length: 0\r\n\r\n'))!.close).toBe(true)
    expect(parseHttpResponse(Buffer.from('HTTP/1.0 200 OK\r\nconnection: keep-alive\r\ncontent-length: 0\r\n\r\n'))!.close).toBe(false)
  })
})
