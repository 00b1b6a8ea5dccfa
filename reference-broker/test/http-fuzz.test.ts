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
