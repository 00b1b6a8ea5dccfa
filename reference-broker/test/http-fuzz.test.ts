import net from 'node:net'
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { errors, type Dispatcher } from 'undici'
import { broker, client } from './helpers.js'
import { http, memoryLogger } from './http-helpers.js'

const KEYS = ['topic', 'confirmation', 'timeout', 'contentType', 'responseTopic', 'qos', 'retain', 'messageExpiry', 'maxResults', 'nextToken', 'cleanSession', 'preventWillMessage', 'includeSocketInformation']
const TARGET = 'fuzz-target'

/** Text that is sometimes valid, sometimes broken: escapes (good and bad), separators, `$`, wildcards, unicode. */
const messy = fc.array(fc.oneof(
  fc.constantFrom('a', 'b', '/', '%2F', '%', '%Z', '%ZZ', '%4', '%FF', '%C3%A9', '$', '%24', '+', '#', '%23', '%2B', '=', '&', '.', '..', '~', 'é', '😀', TARGET, 'commands', 'true', 'false', '0', '1', '15', '16', '-1', '1.5'),
  fc.string({ maxLength: 4 }),
), { maxLength: 8 }).map((parts) => parts.join(''))

const pathArb = fc.tuple(
  fc.constantFrom('/connections/', `/connections/${TARGET}/messages`, `/connections/${TARGET}`, '/topics/', '/retainedMessage', '/retainedMessage/', '/', '//', '/connections/x/subscriptions'),
  messy,
).map(([prefix, rest]) => prefix + rest)

const queryArb = fc.array(fc.tuple(fc.oneof(fc.constantFrom(...KEYS), messy), fc.option(messy, { nil: undefined })), { maxLength: 5 })
  .map((pairs) => pairs.map(([k, v]) => (v === undefined ? k : `${k}=${v}`)).join('&'))

const headerArb = fc.record({
  'x-amz-mqtt5-user-properties': fc.option(fc.oneof(messy, fc.json().map((j) => Buffer.from(j).toString('base64'))), { nil: undefined }),
  'x-amz-mqtt5-payload-format-indicator': fc.option(fc.oneof(fc.constantFrom('UTF8_DATA', 'UNSPECIFIED_BYTES'), messy), { nil: undefined }),
  'x-amz-mqtt5-correlation-data': fc.option(messy, { nil: undefined }),
  authorization: fc.option(fc.oneof(messy, messy.map((m) => `AWS4-HMAC-SHA256 Credential=AKIDFUZZ/20250101/us-east-1/iotdata/aws4_request, SignedHeaders=host;${m}, Signature=${'a'.repeat(64)}`)), { nil: undefined }),
  'x-amz-date': fc.option(messy, { nil: undefined }),
}, { requiredKeys: [] })

describe('request validation under arbitrary input', () => {
  it('arbitrary paths, query strings, headers and bodies never yield a 5xx, a non-JSON error or a crash', async () => {
    const { logger, lines } = memoryLogger()
    // Keys configured, no policies: development mode, but every Authorization header is verified.
    const b = await broker({ logger, overrides: { auth: { credentials: [{ accessKeyId: 'AKIDFUZZ', secretAccessKey: 'fuzz' }] }, mqtt: { connectsPerSecondPerClientId: 0 } } })
    await client(b.urls.mqtt!, { clientId: TARGET })
    let sent = 0
    await fc.assert(fc.asyncProperty(
      fc.constantFrom<Dispatcher.HttpMethod>('GET', 'POST', 'DELETE', 'PUT', 'HEAD'),
      pathArb,
      queryArb,
      headerArb,
      fc.uint8Array({ maxLength: 64 }),
      async (method, path, query, headers, body) => {
        const clean = Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined)) as Record<string, string>
        let res
        try {
          res = await http(b.urls.http!, method, query ? `${path}?${query}` : path, {
            headers: clean,
            body: method === 'GET' || method === 'HEAD' ? undefined : Buffer.from(body),
            timeoutMs: 20_000,
          })
        } catch (err) {
          // undici refuses to send some of these (invalid header or path characters): nothing reached the server.
          if (err instanceof errors.InvalidArgumentError) return
          throw err
        }
        sent++
        expect(res.status).toBeGreaterThanOrEqual(200)
        expect(res.status).toBeLessThan(500)
        if (res.status >= 400 && method !== 'HEAD') {
          expect(res.json.traceId).toBeTypeOf('string')
          expect(res.headers['x-amzn-errortype']).toBeTypeOf('string')
        }
      },
    ), { numRuns: 400 })
    expect(sent).toBeGreaterThan(200)
    expect(lines.filter((l) => l.event === 'http-internal-error')).toEqual([])
    expect((await http(b.urls.http!, 'GET', '/retainedMessage')).status).toBe(200)
  })

  it('raw request lines that no HTTP client library would send are answered without a 5xx', async () => {
    const b = await broker()
    const statusLine = (requestLine: string) => new Promise<string>((resolve, reject) => {
      const s = net.connect(b.ports.http!, '127.0.0.1', () => s.write(Buffer.from(`${requestLine}\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`, 'latin1')))
      let data = ''
      const t = setTimeout(() => { s.destroy(); reject(new Error(`no answer to ${JSON.stringify(requestLine)}`)) }, 5000)
      s.on('data', (d) => { data += d.toString('latin1') })
      s.on('close', () => { clearTimeout(t); resolve(data.split('\r\n')[0] ?? '') })
      s.on('error', () => {})
    })
    await fc.assert(fc.asyncProperty(
      fc.constantFrom('GET', 'POST', 'DELETE'),
      fc.array(fc.oneof(fc.constantFrom('/', '%', '%%', '%00', '?', '&', '=', '#', '\u00ff', '\u00e9', 'connections', 'messages', 'topics', 'retainedMessage'), fc.string({ maxLength: 3 })), { maxLength: 10 }).map((p) => '/' + p.join('').replace(/[\s]/g, '')),
      async (method, path) => {
        const line = await statusLine(`${method} ${path} HTTP/1.1`)
        const status = Number(line.split(' ')[1])
        expect(line.startsWith('HTTP/1.1 ')).toBe(true)
        expect(status).toBeLessThan(500)
      },
    ), { numRuns: 150 })
  })
})

/**
 * Raw HTTP/1.1 over net sockets, framing included: random methods, paths with
 * percent-escapes, header names and values, bodies sent with a truthful,
 * shorter or longer Content-Length, or chunked with or without the last chunk,
 * sometimes written in pieces. A complete request (the server has every byte
 * its framing announced) must be answered within a deadline, never with a 5xx
 * other than a deliberate 500; an incomplete one is abandoned. The broker must
 * not crash and must still serve afterwards.
 * HX_HTTP_FUZZ_RUNS=100000 for a long run (default 1500, about 4 s).
 */
const RUNS = Number(process.env.HX_HTTP_FUZZ_RUNS ?? 1500)
const ANSWER_MS = 5000

const tokenArb = fc.oneof(
  fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'HEAD', 'OPTIONS', 'PATCH', 'TRACE', 'CONNECT', 'PROPFIND', 'get', 'X'),
  fc.stringMatching(/^[A-Za-z!#$%&'*+.^_`|~-]{1,10}$/),
)
const rawPathArb = fc.tuple(pathArb, fc.option(queryArb, { nil: undefined }))
  .map(([p, q]) => (q ? `${p}?${q}` : p).replace(/[\s\u0000-\u001f\u007f-\uffff]/g, (c) => [...Buffer.from(c, 'utf8')].map((x) => `%${x.toString(16).padStart(2, '0').toUpperCase()}`).join('')))
const headerLineArb = fc.tuple(
  fc.oneof(fc.constantFrom('host', 'content-type', 'x-amz-date', 'authorization', 'expect', 'connection', 'upgrade', 'x-amz-mqtt5-user-properties', 'transfer-encoding', 'te', 'trailer'), fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}$/)),
  fc.oneof(messy, fc.constantFrom('100-continue', 'close', 'keep-alive', 'websocket', 'chunked', 'gzip', 'application/json')).map((v) => v.replace(/[\r\n\u0000]/g, '').replace(/[^\u0020-\u00ff]/g, 'x')),
).map(([k, v]) => `${k}: ${v}`)

type Framing = 'none' | 'exact' | 'shorter' | 'longer' | 'chunked' | 'chunked-unterminated' | 'chunked-bad-size'
const framingArb = fc.constantFrom<Framing>('none', 'exact', 'shorter', 'longer', 'chunked', 'chunked-unterminated', 'chunked-bad-size')

/** The bytes of one request, and whether its framing is complete (the server has every byte announced). */
function rawRequest(method: string, path: string, headers: string[], body: Uint8Array, framing: Framing): { bytes: Buffer; complete: boolean } {
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', ...headers.filter((h) => !/^(content-length|transfer-encoding)\s*:/i.test(h))]
  let payload = Buffer.from(body)
  let complete = true
  switch (framing) {
    case 'none': payload = Buffer.alloc(0); break
    case 'exact': lines.push(`Content-Length: ${payload.length}`); break
    case 'shorter': lines.push(`Content-Length: ${Math.max(0, payload.length - 1 - (payload.length >> 1))}`); break
    case 'longer': lines.push(`Content-Length: ${payload.length + 1 + payload.length}`); complete = false; break
    case 'chunked': case 'chunked-unterminated': case 'chunked-bad-size': {
      lines.push('Transfer-Encoding: chunked')
      const parts: Buffer[] = []
      for (let i = 0; i < payload.length; i += 7) {
        const c = payload.subarray(i, i + 7)
        parts.push(Buffer.from(`${framing === 'chunked-bad-size' && i === 0 ? 'zz' : c.length.toString(16)}\r\n`), c, Buffer.from('\r\n'))
      }
      if (framing !== 'chunked-unterminated') parts.push(Buffer.from('0\r\n\r\n'))
      else complete = false
      payload = Buffer.concat(parts)
    }
  }
  return { bytes: Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'), payload]), complete }
}

/**
 * Writes `bytes` (in `pieces` writes) and resolves with the first final status
 * code, or null when the server closed without one; rejects when nothing came
 * within ANSWER_MS. With `waitForAnswer` false it closes right after writing.
 */
function exchange(port: number, bytes: Buffer, pieces: number, waitForAnswer: boolean): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1')
    let data = ''
    const t = setTimeout(() => { s.destroy(); reject(new Error(`no answer within ${ANSWER_MS} ms to ${JSON.stringify(bytes.toString('latin1').slice(0, 300))}`)) }, ANSWER_MS)
    const finish = (status: number | null) => { clearTimeout(t); s.destroy(); resolve(status) }
    s.on('error', () => {})
    s.on('connect', () => {
      const step = Math.max(1, Math.ceil(bytes.length / pieces))
      for (let i = 0; i < bytes.length; i += step) s.write(bytes.subarray(i, i + step))
      if (!waitForAnswer) finish(null)
    })
    s.on('data', (d) => {
      data += d.toString('latin1')
      // Skip interim 1xx answers (100 Continue); the first final status line counts.
      for (const m of data.matchAll(/HTTP\/1\.[01] (\d{3})[^\r\n]*\r\n(?:[^\r\n]+\r\n)*\r\n/g)) {
        const status = Number(m[1])
        if (status >= 200) return finish(status)
      }
    })
    s.on('close', () => finish(null))
  })
}

describe('raw HTTP/1.1 framing under arbitrary input (net sockets)', () => {
  it(`${RUNS} random requests: every complete one answered within ${ANSWER_MS} ms without a 5xx, no crash, still serving`, async () => {
    const { logger, lines } = memoryLogger()
    const b = await broker({ logger, overrides: { auth: { credentials: [{ accessKeyId: 'AKIDFUZZ', secretAccessKey: 'fuzz' }] }, mqtt: { connectsPerSecondPerClientId: 0 } } })
    await client(b.urls.mqtt!, { clientId: TARGET })
    const unanswered: string[] = []
    const tally = { complete: 0, answered: 0, closedWithout: 0, incomplete: 0, statuses: new Map<number, number>() }
    const started = Date.now()
    const report = () => { if (process.env.HX_HTTP_FUZZ_RUNS) console.log('raw HTTP fuzz', { ...tally, seconds: (Date.now() - started) / 1000, statuses: Object.fromEntries([...tally.statuses].sort((x, y) => x[0] - y[0])) }) }
    try {
      await fc.assert(fc.asyncProperty(
        tokenArb, rawPathArb, fc.array(headerLineArb, { maxLength: 6 }), fc.uint8Array({ maxLength: 96 }), framingArb, fc.integer({ min: 1, max: 4 }),
        async (method, path, headers, body, framing, pieces) => {
          const { bytes, complete } = rawRequest(method, path, headers, body, framing)
          const status = await exchange(b.ports.http!, bytes, pieces, complete)
          if (!complete) { tally.incomplete++; return }
          tally.complete++
          if (status === null) {
            tally.closedWithout++
            if (unanswered.length < 5) unanswered.push(bytes.toString('latin1').slice(0, 200))
            return
          }
          tally.answered++
          tally.statuses.set(status, (tally.statuses.get(status) ?? 0) + 1)
          expect(status, bytes.toString('latin1').slice(0, 300)).toBeLessThan(500)
        },
      ), { numRuns: RUNS })
    } finally {
      report()
    }
    expect(unanswered).toEqual([])
    expect(tally.closedWithout).toBe(0)
    expect(lines.filter((l) => l.event === 'http-internal-error')).toEqual([])
    expect((await http(b.urls.http!, 'GET', '/retainedMessage')).status).toBe(200)
  }, 30_000 + RUNS * 20)
})
