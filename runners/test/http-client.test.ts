import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SignOption } from '../../spec/index.js'
import { createHttpClient, signingFor } from '../adapters/http-client.js'
import { ExpectationFailure, StepError } from '../errors.js'
import { TraceRecorder } from '../trace-recorder.js'

let server: http.Server
let url: string
const seen: { method?: string; url?: string; headers: http.IncomingHttpHeaders; body: string }[] = []

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = ''
    req.on('data', (d) => { body += d })
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body })
      if (req.url?.startsWith('/slow')) return // never answers
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'OK', traceId: 'abc' }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

describe('http client', () => {
  it('signs with SigV4 when the target has credentials, sends JSON bodies and parses JSON answers', async () => {
    const trace = new TraceRecorder(() => 0)
    const client = createHttpClient({ url, sigv4: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', region: 'eu-west-1', service: 'iotdevicegateway' } }, { clock: () => 0, trace })
    const res = await client.request({ method: 'POST', path: '/connections/dev-1/messages', query: { topic: 'a/b', confirmation: true }, body: { hello: 1 } }, 2000, new AbortController().signal)
    await client.close()
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ message: 'OK', traceId: 'abc' })
    const req = seen.at(-1)!
    expect(req.url).toBe('/connections/dev-1/messages?topic=a%2Fb&confirmation=true')
    expect(req.body).toBe('{"hello":1}')
    expect(req.headers['content-type']).toBe('application/json')
    expect(req.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/iotdevicegateway\/aws4_request, SignedHeaders=[a-z;-]*host[a-z;-]*, Signature=[0-9a-f]{64}$/)
    expect(req.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/)
    expect(trace.entries.map((e) => e.dir)).toEqual(['out', 'in'])
  })

  it('sign: false sends unsigned; { service } and { secretAccessKey } change the signature; { tamper } spoils it; true without credentials is a step error', async () => {
    const sigv4 = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', region: 'eu-west-1', service: 'iotdata' }
    const client = createHttpClient({ url, sigv4 }, { clock: () => 0, trace: new TraceRecorder(() => 0) })
    const signal = new AbortController().signal
    const authOf = async (sign?: SignOption) => {
      await client.request({ method: 'GET', path: '/x', headers: { 'x-amz-date': '20250101T000000Z' }, ...(sign !== undefined ? { sign } : {}) }, 2000, signal)
      return seen.at(-1)!.headers.authorization
    }
    const plain = await authOf()
    expect(plain).toMatch(/Credential=AKIDEXAMPLE\/20250101\/eu-west-1\/iotdata\/aws4_request/)
    expect(await authOf(true)).toBe(plain)
    expect(await authOf(false)).toBeUndefined()
    expect(await authOf({ service: 'iotdevicegateway' })).toMatch(/\/eu-west-1\/iotdevicegateway\/aws4_request/)
    const wrong = await authOf({ secretAccessKey: 'wrong' })
    expect(wrong).not.toBe(plain)
    expect(wrong!.replace(/Signature=.*/, '')).toBe(plain!.replace(/Signature=.*/, ''))
    const tampered = await authOf({ tamper: true })
    expect(tampered).not.toBe(plain)
    expect(tampered!.slice(0, -1)).toBe(plain!.slice(0, -1))
    await client.close()
    expect(signingFor(undefined, { accessKeyId: 'AKIDOTHER', secretAccessKey: 's' })).toEqual({ settings: { accessKeyId: 'AKIDOTHER', secretAccessKey: 's', region: 'us-east-1', service: 'iotdata' }, tamper: false })
    expect(signingFor({ ...sigv4, sessionToken: 'tok' }, { accessKeyId: 'AKIDOTHER' })!.settings.sessionToken).toBeUndefined()
    expect(signingFor(undefined, undefined)).toBeNull()
    expect(() => signingFor(undefined, true)).toThrow(StepError)
    expect(() => signingFor(undefined, { service: 'iotdata' })).toThrow(/requires: \[sigv4\]/)
  })

  it('sends no signature without credentials and fails at the deadline when nothing answers', async () => {
    const client = createHttpClient({ url }, { clock: () => 0, trace: new TraceRecorder(() => 0) })
    // Checked on a request that is answered: an unanswered one may not even reach the server
    // within its 300 ms on a loaded machine, leaving another test's signed request the last seen.
    await client.request({ method: 'GET', path: '/unsigned' }, 5000, new AbortController().signal)
    expect(seen.find((r) => r.url === '/unsigned')!.headers.authorization).toBeUndefined()
    const started = Date.now()
    await expect(client.request({ method: 'GET', path: '/slow' }, 300, new AbortController().signal)).rejects.toThrow(new ExpectationFailure('no HTTP response to GET /slow within 300 ms'))
    expect(Date.now() - started).toBeLessThan(2000)
    await client.close()
  })
})
