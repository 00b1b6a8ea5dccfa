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
/** What readBody gave for each request, and the request, by the x-test header. */
const outcomes = new Map<string, Promise<Buffer>>()
const requests = new Map<string, http.IncomingMessage>()
const responses = new Map<string, http.ServerResponse>()
const EVENTS = ['data', 'end', 'error', 'close'] as const
/** Listener counts of each request before readBody (Node's server has its own). */
const listenersBefore = new Map<string, number[]>()
const listeners = (req: http.IncomingMessage) => EVENTS.map((e) => req.listenerCount(e))
/** Requests whose x-test starts with `late` wait for the test to read them. */
const arrivals = new Map<string, (req: http.IncomingMessage) => void>()

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const test = String(req.headers['x-test'])
    requests.set(test, req)
    responses.set(test, res)
    if (test.startsWith('late')) {
      arrivals.get(test)?.(req)
      return
    }
    listenersBefore.set(test, listeners(req))
    const outcome = readBody(req, LIMIT)
    outcomes.set(test, outcome)
    outcome.then(
      (body) => res.end(`ok ${body.length}`),
      (err) => { res.statusCode = err.status ?? 499; res.setHeader('x-reason', String(err.reason)); res.end(err.message) },
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
      res.setEncoding('utf8').on('data', (d) => { text += d }).on('end', () => resolve({ status: res.statusCode!, text: res.headers['x-reason'] ? `${res.headers['x-reason']}: ${text}` : text }))
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
    expect(r).toEqual({ status: 413, text: `payload-too-large: Payload of ${LIMIT + 1} bytes exceeds the maximum of ${LIMIT} bytes` })
  })

  it('refuses a chunked body at the first byte over the limit', async () => {
    const r = await send('over', [Buffer.alloc(LIMIT), Buffer.alloc(1)])
    expect(r).toEqual({ status: 413, text: `payload-too-large: Payload exceeds the maximum of ${LIMIT} bytes` })
  })

  it('rejects with RequestAbortedError when the client leaves mid-body', async () => {
    const arrived = new Promise<void>((resolve) => server.once('request', () => setImmediate(resolve)))
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: { 'x-test': 'aborted', 'content-length': LIMIT } })
    req.on('error', () => {})
    req.write(Buffer.alloc(10))
    await arrived
    req.destroy()
    const err = await outcomes.get('aborted')!.then(() => null, (e: unknown) => e)
    expect(err).toBeInstanceOf(RequestAbortedError)
    expect(err).toMatchObject({ name: 'RequestAbortedError', message: 'client closed the request before its body was complete' })
  })

  it('leaves no listener on the request once it is done, and reads an already-read body as empty', async () => {
    await send('listeners', [Buffer.from('abc')])
    const req = requests.get('listeners')!
    expect(listeners(req), 'complete').toEqual(listenersBefore.get('listeners'))
    expect(await readBody(req, LIMIT)).toEqual(Buffer.alloc(0))
    await send('listeners-over', [Buffer.alloc(LIMIT), Buffer.alloc(1)])
    // After the 413 Node's server itself waits for the unread rest ('end'); data, error and close are readBody's.
    const [data, , error, close] = listeners(requests.get('listeners-over')!)
    const [data0, , error0, close0] = listenersBefore.get('listeners-over')!
    expect([data, error, close], 'over').toEqual([data0, error0, close0])
  })

  it('reads a body that arrived in full before it was asked for', async () => {
    const arrived = new Promise<http.IncomingMessage>((resolve) => arrivals.set('late-complete', resolve))
    const response = new Promise<void>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: { 'x-test': 'late-complete', 'content-length': 5 } }, (res) => { res.resume(); resolve() })
      req.on('error', reject)
      req.end('hello')
    })
    const req = await arrived
    const deadline = Date.now() + 5000
    while (!req.complete && Date.now() < deadline) await new Promise((r) => setImmediate(r))
    expect(req.complete).toBe(true)
    expect((await readBody(req, LIMIT)).toString()).toBe('hello')
    responses.get('late-complete')!.end('done')
    await response
  })

  it('settles, never hangs, when a request whose body arrived in full is destroyed before it is read', async () => {
    // Node still hands over the buffered body, then 'error' (with an error) or 'end' (without), then 'close'.
    const failed = await completeButUnread('late-destroyed-error')
    const outcome = readBody(failed.req, LIMIT)
    failed.req.destroy(new Error('socket gone'))
    expect(await settled(outcome)).toBeInstanceOf(RequestAbortedError)
    await failed.done
    const quiet = await completeButUnread('late-destroyed')
    const body = readBody(quiet.req, LIMIT)
    quiet.req.destroy()
    expect(String(await settled(body))).toBe('hello')
    await quiet.done
  })

  it('gives a second read of a body in progress the same body, and leaves no listener behind', async () => {
    const arrived = new Promise<http.IncomingMessage>((resolve) => arrivals.set('late-twice', resolve))
    const answered = new Promise<void>((resolve, reject) => {
      const client = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: { 'x-test': 'late-twice', 'content-length': 60 } }, (res) => { res.resume(); resolve() })
      client.on('error', reject)
      client.flushHeaders()
      void arrived.then(() => client.end(Buffer.alloc(60, 7)))
    })
    const req = await arrived
    const before = listeners(req)
    const first = readBody(req, LIMIT)
    const second = readBody(req, LIMIT)
    // Read twice, a 60-byte body must neither count twice (120 bytes: a 413) nor leave the first read unsettled.
    expect(await settled(first), 'first read').toEqual(Buffer.alloc(60, 7))
    expect(await settled(second), 'second read').toEqual(Buffer.alloc(60, 7))
    expect(listeners(req)).toEqual(before)
    responses.get('late-twice')!.end('done')
    await answered
  })

  it('rejects with RequestAbortedError when the request is closed before its body is complete', async () => {
    const arrived = new Promise<http.IncomingMessage>((resolve) => arrivals.set('late-closed', resolve))
    const client = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: { 'x-test': 'late-closed', 'content-length': LIMIT } })
    client.on('error', () => {})
    client.write(Buffer.alloc(10))
    const req = await arrived
    const outcome = readBody(req, LIMIT)
    req.destroy()
    await expect(outcome).rejects.toBeInstanceOf(RequestAbortedError)
    client.destroy()
  })
})

/** A request (x-test `late-…`) whose whole body has been parsed but not read, and the client's end of it. */
async function completeButUnread(test: string): Promise<{ req: http.IncomingMessage; done: Promise<void> }> {
  const arrived = new Promise<http.IncomingMessage>((resolve) => arrivals.set(test, resolve))
  const client = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: { 'x-test': test, 'content-length': 5 } })
  const done = new Promise<void>((resolve) => { client.on('error', () => resolve()); client.on('response', (res) => { res.resume(); resolve() }) })
  client.end('hello')
  const req = await arrived
  const deadline = Date.now() + 5000
  while (!req.complete && Date.now() < deadline) await new Promise((r) => setImmediate(r))
  expect(req.complete).toBe(true)
  return { req, done }
}

/** What a promise settles with (its value or its rejection), or 'pending' after 2 s. */
function settled<T>(p: Promise<T>): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined
  const pending = new Promise<string>((resolve) => { timer = setTimeout(() => resolve('pending'), 2000) })
  return Promise.race([p.then((v) => v, (e: unknown) => e), pending]).finally(() => clearTimeout(timer))
}
