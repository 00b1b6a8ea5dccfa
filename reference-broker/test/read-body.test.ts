/**
 * Request bodies on the data plane [DM-STATUS-413]: a declared Content-Length
 * over the limit is refused before anything is read; a chunked body is read up
 * to the limit and refused at the first byte beyond; a client that goes away
 * mid-body is told apart from one that sent too much. Real sockets on 127.0.0.1.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readBody, RequestAbortedError } from '../http/read-body.js'

const LIMIT = 100
let server: http.Server
let port: number
/** What readBody gave for each request, by the x-test header. */
const outcomes = new Map<string, Promise<Buffer>>()

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const outcome = readBody(req, LIMIT)
    outcomes.set(String(req.headers['x-test']), outcome)
    outcome.then(
      (body) => res.end(`ok ${body.length}`),
      (err) => { res.statusCode = err.status ?? 499; res.end(err.message) },
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

/** Sends `chunks` (chunked unless contentLength is given) and returns the response. */
function send(test: string, chunks: Buffer[], headers: Record<string, string | number> = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: { 'x-test': test, ...headers }, timeout: 10_000 }, (res) => {
      let text = ''
      res.setEncoding('utf8').on('data', (d) => { text += d }).on('end', () => resolve({ status: res.statusCode!, text }))
    })
    req.on('timeout', () => req.destroy(new Error('no response within 10 s')))
    req.on('error', reject)
    for (const c of chunks) req.write(c)
    req.end()
  })
}

describe('readBody [DM-STATUS-413]', () => {
  it('reads a body of exactly the limit, in one piece or many', async () => {
    expect(await send('whole', [Buffer.alloc(LIMIT, 1)], { 'content-length': LIMIT })).toEqual({ status: 200, text: `ok ${LIMIT}` })
    const parts = [Buffer.from('ab'), Buffer.from('cd'), Buffer.alloc(LIMIT - 4, 'x')]
    expect(await send('chunked', parts)).toEqual({ status: 200, text: `ok ${LIMIT}` })
    expect((await outcomes.get('chunked')!).subarray(0, 6).toString()).toBe('abcdxx')
    expect(await send('empty', [])).toEqual({ status: 200, text: 'ok 0' })
  })

  it('refuses a declared length over the limit before reading', async () => {
    const r = await send('declared', [Buffer.alloc(LIMIT + 1)], { 'content-length': LIMIT + 1 })
    expect(r).toEqual({ status: 413, text: `Payload of ${LIMIT + 1} bytes exceeds the maximum of ${LIMIT} bytes` })
  })

  it('refuses a chunked body at the first byte over the limit', async () => {
    const r = await send('over', [Buffer.alloc(LIMIT), Buffer.alloc(1)])
    expect(r).toEqual({ status: 413, text: `Payload exceeds the maximum of ${LIMIT} bytes` })
  })

  it('rejects with RequestAbortedError when the client leaves mid-body', async () => {
    const arrived = new Promise<void>((resolve) => server.once('request', () => setImmediate(resolve)))
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: { 'x-test': 'aborted', 'content-length': LIMIT } })
    req.on('error', () => {})
    req.write(Buffer.alloc(10))
    await arrived
    req.destroy()
    await expect(outcomes.get('aborted')!).rejects.toBeInstanceOf(RequestAbortedError)
  })
})
