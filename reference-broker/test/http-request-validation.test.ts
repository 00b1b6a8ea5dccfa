import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { request } from 'undici'
import { broker, client, collect, uid } from './helpers.js'
import { b64json, errorShape, http } from './http-helpers.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('[DM-STATUS-400] invalid SendDirectMessage requests', () => {
  it('every invalid parameter is a 400 InvalidRequestException and nothing reaches the receiver', async () => {
    const b = await broker()
    const id = uid('recv')
    const got = collect(await client(b.urls.mqtt!, { clientId: id, protocolVersion: 5 }))
    const base = `/connections/${id}/messages`
    const b64 = (s: string) => Buffer.from(s).toString('base64')
    const cases: { why: string; path: string; headers?: Record<string, string>; body?: Buffer }[] = [
      { why: '[DM-CLIENTID-VALIDATION] empty client id', path: '/connections//messages?topic=t' },
      { why: '[DM-CLIENTID-VALIDATION] 129 characters', path: `/connections/${'a'.repeat(129)}/messages?topic=t` },
      { why: '[DM-CLIENTID-VALIDATION] leading $', path: '/connections/%24foo/messages?topic=t' },
      { why: '[DM-STATUS-400] %ZZ in the client id', path: `/connections/${id}%ZZ/messages?topic=t` },
      { why: 'cut escape in the client id', path: `/connections/${id}%4/messages?topic=t` },
      { why: 'escape that is not UTF-8', path: '/connections/%FF/messages?topic=t' },
      { why: '[DM-TOPIC-VALIDATION] topic missing', path: base },
      { why: 'topic empty', path: `${base}?topic=` },
      { why: 'reserved $aws topic', path: `${base}?topic=%24aws%2Fthings%2Fx%2Fshadow%2Fupdate` },
      { why: 'other $ topic', path: `${base}?topic=%24custom` },
      { why: 'wildcard +', path: `${base}?topic=a%2F%2B` },
      { why: 'wildcard #', path: `${base}?topic=a%2F%23` },
      { why: '[TOPIC-MAX-256] 257 bytes', path: `${base}?topic=${'t'.repeat(257)}` },
      { why: '[TOPIC-MAX-7-SLASHES] 8 slashes', path: `${base}?topic=a/b/c/d/e/f/g/h/i` },
      { why: '%ZZ in the topic', path: `${base}?topic=a%ZZ` },
      { why: 'topic given twice', path: `${base}?topic=a&topic=b` },
      { why: '[DM-TIMEOUT-RANGE] timeout 0', path: `${base}?topic=t&confirmation=true&timeout=0` },
      { why: 'timeout 16', path: `${base}?topic=t&confirmation=true&timeout=16` },
      { why: 'timeout not a number', path: `${base}?topic=t&confirmation=true&timeout=abc` },
      { why: 'timeout not an integer', path: `${base}?topic=t&confirmation=true&timeout=1.5` },
      { why: 'timeout negative', path: `${base}?topic=t&confirmation=true&timeout=-1` },
      { why: 'confirmation yes', path: `${base}?topic=t&confirmation=yes` },
      { why: 'confirmation 1', path: `${base}?topic=t&confirmation=1` },
      { why: '[DM-RESPONSE-TOPIC-NO-WILDCARD] responseTopic with +', path: `${base}?topic=t&responseTopic=replies%2F%2B` },
      { why: 'responseTopic with #', path: `${base}?topic=t&responseTopic=replies%2F%23` },
      { why: 'user properties not base64', path: `${base}?topic=t`, headers: { 'x-amz-mqtt5-user-properties': '!!!' } },
      { why: 'user properties not JSON', path: `${base}?topic=t`, headers: { 'x-amz-mqtt5-user-properties': b64('not json') } },
      { why: 'user properties not an array', path: `${base}?topic=t`, headers: { 'x-amz-mqtt5-user-properties': b64json({ a: 'b' }) } },
      { why: 'user properties in name/value form', path: `${base}?topic=t`, headers: { 'x-amz-mqtt5-user-properties': b64json([{ name: 'a', value: 'b' }]) } },
      { why: 'user property value not a string', path: `${base}?topic=t`, headers: { 'x-amz-mqtt5-user-properties': b64json([{ a: 1 }]) } },
      { why: 'user properties above 8 KB', path: `${base}?topic=t`, headers: { 'x-amz-mqtt5-user-properties': b64json([{ a: 'x'.repeat(8200) }]) } },
      { why: 'payload format indicator unknown', path: `${base}?topic=t`, headers: { 'x-amz-mqtt5-payload-format-indicator': 'TEXT' } },
      { why: 'correlation data not base64', path: `${base}?topic=t`, headers: { 'x-amz-mqtt5-correlation-data': '***' } },
      { why: 'UTF8_DATA with a payload that is not UTF-8', path: `${base}?topic=t`, headers: { 'x-amz-mqtt5-payload-format-indicator': 'UTF8_DATA' }, body: Buffer.from([0xff, 0xfe]) },
    ]
    for (const c of cases) {
      const res = await http(b.urls.http!, 'POST', c.path, { body: c.body ?? 'x', headers: c.headers })
      expect({ why: c.why, ...errorShape(res) }).toEqual({ why: c.why, status: 400, type: 'InvalidRequestException', hasMessage: true, traceIdMatches: true })
    }
    await sleep(200)
    expect(got.messages).toHaveLength(0)
    // The receiver was reachable all along, and the boundaries are accepted:
    const ok = [
      `${base}?topic=${'t'.repeat(256)}`,
      `${base}?topic=a/b/c/d/e/f/g/h`,
      `${base}?topic=t&confirmation=false&timeout=99`, // [DM-TIMEOUT-RANGE] ignored without confirmation
      `${base}?topic=t&responseTopic=replies%2Fr1&unknownParameter=1`,
    ]
    for (const path of ok) expect({ path, status: (await http(b.urls.http!, 'POST', path, { body: 'x' })).status }).toEqual({ path, status: 200 })
    await got.waitFor(ok.length)
  })
})

describe('routes', () => {
  it('[HTTP-ERRORS] a known path with the wrong method is 405 MethodNotAllowedException with Allow; an unknown path is 404', async () => {
    const b = await broker()
    const wrong = await http(b.urls.http!, 'GET', '/topics/a')
    expect(errorShape(wrong)).toEqual({ status: 405, type: 'MethodNotAllowedException', hasMessage: true, traceIdMatches: true })
    expect(wrong.headers.allow).toBe('POST')
    expect((await http(b.urls.http!, 'GET', '/connections/x/messages')).status).toBe(405)
    expect((await http(b.urls.http!, 'PUT', '/connections/x')).headers.allow).toBe('GET, DELETE')
    const none = await http(b.urls.http!, 'GET', '/no/such/api')
    expect(errorShape(none)).toEqual({ status: 404, type: 'ResourceNotFoundException', hasMessage: true, traceIdMatches: true })
  })
})

describe('[DM-STATUS-413] bodies over the payload quota', () => {
  it('a 50 MB chunked body is refused after about 128 KiB: the server answers and closes long before 50 MB is sent, without buffering it', async () => {
    const b = await broker()
    const id = uid('recv')
    await client(b.urls.mqtt!, { clientId: id })
    const chunk = Buffer.alloc(16 * 1024, 0x61)
    const total = 50 * 1024 * 1024
    let written = 0
    async function* body() {
      while (written < total) {
        written += chunk.length
        yield chunk
      }
    }
    const before = process.memoryUsage()
    const started = Date.now()
    const res = await request(`${b.urls.http}/connections/${id}/messages?topic=big`, { method: 'POST', body: Readable.from(body()), headersTimeout: 10_000 })
    const text = await res.body.text()
    const elapsed = Date.now() - started
    await sleep(200) // anything still flowing would keep counting
    const after = process.memoryUsage()
    expect(res.statusCode).toBe(413)
    expect(res.headers['x-amzn-errortype']).toBe('RequestEntityTooLargeException')
    expect(JSON.parse(text).traceId).toBeTypeOf('string')
    expect(res.headers.connection).toBe('close')
    // Kernel socket buffers on loopback hold a few MB; 50 MB would mean the body was read.
    expect(written).toBeLessThan(8 * 1024 * 1024)
    expect(elapsed).toBeLessThan(3000)
    const grown = (after.heapUsed + after.arrayBuffers) - (before.heapUsed + before.arrayBuffers)
    expect(grown).toBeLessThan(16 * 1024 * 1024)
    // The broker still serves.
    expect((await http(b.urls.http!, 'POST', `/connections/${id}/messages?topic=t`, { body: 'x' })).status).toBe(200)
  })

  it('a client that ignores the 413 and keeps streaming is cut off: the server stops reading and closes', async () => {
    const b = await broker()
    const net = await import('node:net')
    const socket = net.connect(b.ports.http!, '127.0.0.1')
    await new Promise((r) => socket.once('connect', r))
    let response = ''
    socket.on('data', (d) => { response += d.toString('latin1') })
    const closed = new Promise<void>((r) => socket.once('close', () => r()))
    socket.on('error', () => {})
    socket.write('POST /connections/x/messages?topic=t HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n')
    const chunk = Buffer.concat([Buffer.from('4000\r\n'), Buffer.alloc(0x4000, 0x61), Buffer.from('\r\n')])
    let written = 0
    let open = true
    void closed.then(() => { open = false })
    const started = Date.now()
    while (open && written < 50 * 1024 * 1024 && Date.now() - started < 10_000) {
      if (!socket.write(chunk)) await Promise.race([new Promise((r) => socket.once('drain', r)), closed])
      written += chunk.length
    }
    await Promise.race([closed, sleep(5000)])
    expect(open).toBe(false)
    expect(response.split('\r\n')[0]).toBe('HTTP/1.1 413 Payload Too Large')
    expect(written).toBeLessThan(16 * 1024 * 1024)
  })

  it('a declared Content-Length over the limit is refused before any byte of the body is read', async () => {
    const b = await broker()
    const net = await import('node:net')
    const socket = net.connect(b.ports.http!, '127.0.0.1')
    await new Promise((r) => socket.once('connect', r))
    socket.write(`POST /connections/x/messages?topic=t HTTP/1.1\r\nHost: x\r\nContent-Length: 52428800\r\n\r\n`)
    const response = await new Promise<string>((resolve, reject) => {
      let data = ''
      const t = setTimeout(() => reject(new Error('no response')), 3000)
      socket.on('data', (d) => {
        data += d.toString()
        if (data.includes('\r\n\r\n')) { clearTimeout(t); resolve(data) }
      })
    })
    socket.destroy()
    expect(response.split('\r\n')[0]).toBe('HTTP/1.1 413 Payload Too Large')
    expect(response.toLowerCase()).toContain('x-amzn-errortype: requestentitytoolargeexception')
  })
})
