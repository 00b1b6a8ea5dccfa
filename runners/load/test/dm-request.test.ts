import { describe, expect, it } from 'vitest'
import { createDmRequestFactory, createDmWireFactory } from '../dm-request.js'
import { httpPostBytes } from '../http-request-bytes.js'
import { receiveRawRequest } from './helpers.js'

const dm = { topic: 'hx/load/${run}/${device}', confirmation: true, timeout: 5, payloadBytes: 64 }
const base = { httpUrl: 'http://127.0.0.1:8443/base/', runId: 'run-1', dm, now: () => 1_700_000_000_123 }

describe('SendDirectMessage requests as wire bytes (the open-model driver)', () => {
  it('are byte for byte the request the slow factory builds, serialized: device paths cached, payload padded or grown', () => {
    const wire = createDmWireFactory(base)
    const make = createDmRequestFactory(base)
    for (const [clientId, seq] of [['device-1', 0], ['dev ice/ü', 7], ['device-1', 123_456_789]] as const) {
      const c = { run: 'run-1', slice: 2, seq }
      const r = make(clientId, c)
      expect(wire(clientId, c).toString('latin1')).toBe(httpPostBytes('127.0.0.1:8443', r.path, r.headers, r.body).toString('latin1'))
    }
    // A payload smaller than the correlation header grows to hold it.
    const small = { ...base, dm: { ...dm, payloadBytes: 1 } }
    const c = { run: 'run-1', slice: 0, seq: 5 }
    const r = createDmRequestFactory(small)('d', c)
    expect(r.body.length).toBeGreaterThan(1)
    expect(createDmWireFactory(small)('d', c).equals(httpPostBytes('127.0.0.1:8443', r.path, r.headers, r.body))).toBe(true)
  })

  it('are one HTTP/1.1 POST to Node\'s own parser, with its content-length, correlation header and payload', async () => {
    const bytes = createDmWireFactory(base)('dev/1', { run: 'run-1', slice: 3, seq: 42 })
    const req = await receiveRawRequest(bytes)
    expect(req.method).toBe('POST')
    expect(req.path).toBe('/base/connections/dev%2F1/messages?topic=hx%2Fload%2Frun-1%2Fdev%2F1&confirmation=true&timeout=5')
    expect(req.headers['host']).toBe('127.0.0.1:8443')
    expect(Buffer.from(req.headers['x-amz-mqtt5-correlation-data']!, 'base64').toString()).toBe('run-1/3/42')
    expect(req.body.length).toBe(64)
    expect(req.body.toString().trimEnd()).toBe('{"hx":"run-1","s":3,"i":42,"t":1700000000123}')
  })

  it('signed with SigV4 are built in full: each carries its own signature', async () => {
    const sigv4 = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', region: 'us-east-1', service: 'iotdevicegateway' }
    const wire = createDmWireFactory({ ...base, sigv4 })
    const a = await receiveRawRequest(wire('d', { run: 'run-1', slice: 0, seq: 1 }))
    const b = await receiveRawRequest(wire('d', { run: 'run-1', slice: 0, seq: 2 }))
    expect(a.headers['authorization']).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/iotdevicegateway\/aws4_request/)
    expect(a.headers['authorization']).not.toBe(b.headers['authorization'])
    expect(Number(a.headers['content-length'])).toBe(a.body.length)
  })
})
