/**
 * SigV4 verification of data-plane requests [DM-STATUS-401] [API-SIGNING-NAME]:
 * requests signed by aws4 (as an SDK would) verify; every field the signature
 * or its scope covers is checked, each refusal with its own reason.
 */
import type http from 'node:http'
import aws4 from 'aws4'
import { createHash } from 'node:crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { claimedAccessKey, verifySigV4 } from '../http/verify-sigv4.js'
import { refusal } from './http-helpers.js'

const KEY = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret-one' }
const secretFor = (id: string) => (id === KEY.accessKeyId ? KEY.secretAccessKey : undefined)
const PATH = '/topics/a%2Fb?qos=1'

/** A request as Node's http server hands it over: lower-case header names. */
function signed(opts: { body?: string; service?: string; at?: Date; headers?: Record<string, string>; method?: string } = {}) {
  const headers: Record<string, string> = { 'Content-Type': 'application/octet-stream', ...opts.headers }
  if (opts.at) headers['X-Amz-Date'] = opts.at.toISOString().replace(/[:-]|\.\d{3}/g, '')
  const s = aws4.sign({ host: 'localhost:8443', method: opts.method ?? 'POST', path: PATH, body: opts.body, service: opts.service ?? 'iotdata', region: 'us-west-2', headers }, KEY)
  const lower = Object.fromEntries(Object.entries(s.headers as Record<string, string | number>).map(([k, v]) => [k.toLowerCase(), String(v)]))
  return { req: { method: opts.method ?? 'POST', url: PATH, headers: lower } as unknown as http.IncomingMessage, body: Buffer.from(opts.body ?? '') }
}
const verify = (r: { req: http.IncomingMessage; body: Buffer }, names?: readonly string[], region?: string) => verifySigV4(r.req, r.body, secretFor, names, region)
const reasonOf = (r: { req: http.IncomingMessage; body: Buffer }, names?: readonly string[], region?: string) => refusal(() => verify(r, names, region))
/** `r` with its Authorization header rewritten. */
const withAuth = (r: { req: http.IncomingMessage; body: Buffer }, edit: (auth: string) => string) =>
  ({ ...r, req: { ...r.req, headers: { ...r.req.headers, authorization: edit(String(r.req.headers.authorization)) } } as unknown as http.IncomingMessage })

afterEach(() => { vi.useRealTimers() })

describe('verifySigV4 [DM-STATUS-401]', () => {
  it('verifies a request signed for iotdata or iotdevicegateway, with or without a body', () => {
    expect(verify(signed({ body: 'hello' }))).toEqual({ accessKeyId: 'AKIDEXAMPLE', region: 'us-west-2', service: 'iotdata' })
    expect(verify(signed({ service: 'iotdevicegateway', method: 'DELETE' }))).toEqual({ accessKeyId: 'AKIDEXAMPLE', region: 'us-west-2', service: 'iotdevicegateway' })
    expect(reasonOf(signed({ service: 'iotdevicegateway' }), ['iotdata'])).toEqual({
      status: 403, type: 'ForbiddenException', reason: 'signature-wrong-service',
      message: 'Credential should be scoped to a valid service (iotdata), not iotdevicegateway',
    })
    expect(reasonOf(signed({ service: 'iot' })).reason).toBe('signature-wrong-service')
  })

  it('refuses a changed body, path, method, signed header or secret as a mismatch', () => {
    const r = signed({ body: 'hello' })
    expect(reasonOf({ ...r, body: Buffer.from('hellO') }).reason).toBe('signature-mismatch')
    expect(reasonOf({ ...r, req: { ...r.req, url: '/topics/a%2Fc?qos=1' } as unknown as http.IncomingMessage }).reason).toBe('signature-mismatch')
    expect(reasonOf({ ...r, req: { ...r.req, method: 'PUT' } as unknown as http.IncomingMessage }).reason).toBe('signature-mismatch')
    expect(reasonOf({ ...r, req: { ...r.req, headers: { ...r.req.headers, 'content-type': 'text/plain' } } as unknown as http.IncomingMessage }).reason).toBe('signature-mismatch')
    const other = signed({ body: 'hello' })
    expect(refusal(() => verifySigV4(other.req, other.body, () => 'secret-two')).reason).toBe('signature-mismatch')
    // One hex digit changed in the signature.
    expect(reasonOf(withAuth(r, (a) => a.replace(/Signature=(.)/, (_, c) => `Signature=${c === '0' ? '1' : '0'}`))).reason).toBe('signature-mismatch')
  })

  it('refuses an unknown access key, a missing signed header and a body that does not match its declared hash', () => {
    const r = signed({ body: 'hello' })
    expect(reasonOf(withAuth(r, (a) => a.replace('AKIDEXAMPLE', 'AKIDOTHER')))).toMatchObject({ status: 403, reason: 'unknown-access-key' })
    expect(reasonOf(withAuth(r, (a) => a.replace('SignedHeaders=', 'SignedHeaders=x-custom;')))).toMatchObject({ reason: 'signature-header-missing', message: 'Signed header x-custom is missing from the request' })
    const hashed = signed({ body: 'hello', headers: { 'X-Amz-Content-Sha256': createHash('sha256').update('hello').digest('hex') } })
    expect(verify(hashed).service).toBe('iotdata')
    expect(reasonOf({ ...hashed, body: Buffer.from('other') }).reason).toBe('payload-hash-mismatch')
    const unsigned = signed({ body: 'hello', headers: { 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD' } })
    expect(verify(unsigned).service).toBe('iotdata')
  })

  it('takes a signature up to 15 minutes from the server time, either way, and no further', () => {
    const minutes = (m: number) => new Date(Date.now() + m * 60_000)
    expect(verify(signed({ at: minutes(-14.5) })).service).toBe('iotdata')
    expect(verify(signed({ at: minutes(14.5) })).service).toBe('iotdata')
    expect(reasonOf(signed({ at: minutes(-15.5) }))).toMatchObject({ reason: 'signature-expired' })
    expect(reasonOf(signed({ at: minutes(15.5) }))).toMatchObject({ reason: 'signature-expired' })
  })

  it('takes exactly 15 minutes of skew and refuses the next millisecond', () => {
    const at = new Date('2026-03-01T12:00:00Z')
    const r = signed({ at })
    vi.useFakeTimers({ now: at.getTime() + 15 * 60_000, toFake: ['Date'] })
    expect(verify(r).service).toBe('iotdata')
    vi.setSystemTime(at.getTime() - 15 * 60_000)
    expect(verify(r).service).toBe('iotdata')
    vi.setSystemTime(at.getTime() + 15 * 60_000 + 1)
    expect(reasonOf(r)).toEqual({ status: 403, type: 'ForbiddenException', reason: 'signature-expired', message: 'Signature expired: X-Amz-Date is more than 15 minutes from the server time' })
  })

  it('says what is wrong, in AWS\'s words where AWS has them', () => {
    const r = signed({ body: 'hello' })
    expect(reasonOf(withAuth(r, () => 'Bearer x')).message).toBe('The Authorization header is not a valid AWS Signature Version 4 header')
    expect(reasonOf(signed({ service: 's3' })).message).toBe('Credential should be scoped to a valid service (iotdata or iotdevicegateway), not s3')
    expect(reasonOf(withAuth(r, (a) => a.replace('AKIDEXAMPLE', 'AKIDOTHER'))).message).toBe('The security token included in the request is invalid')
    expect(reasonOf({ ...r, req: { ...r.req, headers: { ...r.req.headers, 'x-amz-date': undefined } } as unknown as http.IncomingMessage }).message).toBe('X-Amz-Date is missing or not of the form yyyymmddThhmmssZ')
    const day = String(r.req.headers['x-amz-date']).slice(0, 8)
    expect(reasonOf(withAuth(r, (a) => a.replace(`/${day}/`, '/19990101/')))).toEqual({
      status: 403, type: 'ForbiddenException', reason: 'signature-scope-date-mismatch',
      message: `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '19990101' != '${day}'`,
    })
    expect(reasonOf(withAuth(r, (a) => a.replace('/aws4_request', '/aws4_other')))).toEqual({
      status: 403, type: 'ForbiddenException', reason: 'signature-scope-malformed',
      message: "Credential should be scoped to a valid date, region and service, ending in 'aws4_request' (ACCESS_KEY/yyyymmdd/region/service/aws4_request)",
    })
    expect(reasonOf(r, undefined, 'eu-west-1')).toEqual({
      status: 403, type: 'ForbiddenException', reason: 'signature-wrong-region',
      message: "Credential should be scoped to a valid region, not 'us-west-2'; this endpoint is in 'eu-west-1'",
    })
    expect(reasonOf({ ...r, body: Buffer.from('other') }).message).toBe('The request signature we calculated does not match the signature you provided')
    const hashed = signed({ body: 'hello', headers: { 'X-Amz-Content-Sha256': createHash('sha256').update('hello').digest('hex') } })
    expect(reasonOf({ ...hashed, body: Buffer.from('other') }).message).toBe('X-Amz-Content-Sha256 does not match the request body')
  })

  it('verifies headers aws4 leaves out by default when the client signed them (User-Agent)', () => {
    const headers = { 'Content-Type': 'text/plain', 'User-Agent': 'device-sdk/1.0' }
    const s = aws4.sign({ host: 'localhost:8443', method: 'POST', path: PATH, body: 'x', service: 'iotdata', region: 'us-west-2', headers, extraHeadersToInclude: { 'user-agent': true } } as aws4.Request, KEY)
    expect(String((s.headers as Record<string, string>).Authorization)).toMatch(/SignedHeaders=[^,]*user-agent/)
    const lower = Object.fromEntries(Object.entries(s.headers as Record<string, string | number>).map(([k, v]) => [k.toLowerCase(), String(v)]))
    expect(verify({ req: { method: 'POST', url: PATH, headers: lower } as unknown as http.IncomingMessage, body: Buffer.from('x') }).service).toBe('iotdata')
  })

  it('reads only whole fields of the Authorization header, and X-Amz-Date only whole', () => {
    const r = signed()
    // A later item without = does not replace a field.
    expect(verify(withAuth(r, (a) => `${a}, SignatureX`)).service).toBe('iotdata')
    expect(reasonOf(withAuth(r, (a) => `Bearer ${a}`)).reason).toBe('signature-malformed')
    const amz = String(r.req.headers['x-amz-date'])
    for (const v of [amz.slice(0, 8) + amz, `${amz}0`, `${amz}Z`]) {
      expect(reasonOf({ ...r, req: { ...r.req, headers: { ...r.req.headers, 'x-amz-date': v } } as unknown as http.IncomingMessage }), v).toMatchObject({ reason: 'signature-date-invalid' })
    }
  })

  it('refuses an X-Amz-Date that is missing, malformed, or of another day than the credential scope', () => {
    const r = signed()
    const date = (v: string | undefined) => ({ ...r, req: { ...r.req, headers: { ...r.req.headers, 'x-amz-date': v } } as unknown as http.IncomingMessage })
    for (const v of [undefined, '', '20250101T000000', '2025-01-01T00:00:00Z', 'x20250101T000000Z']) {
      expect(reasonOf(date(v)), String(v)).toMatchObject({ reason: 'signature-date-invalid' })
    }
    // A well-formed X-Amz-Date of another day than the scope's: the scope date is checked first
    // against X-Amz-Date's day, so the refusal names the mismatch, not the (also too old) time.
    expect(reasonOf(withAuth(r, (a) => a.replace(/\/\d{8}\//, '/19990101/'))).reason).toBe('signature-scope-date-mismatch')
    expect(reasonOf(date('19990101T000000Z')).reason).toBe('signature-scope-date-mismatch')
    // The same day an hour or more away is no mismatch: only the 15-minute skew refuses it.
    const amz = String(r.req.headers['x-amz-date'])
    const otherTime = `${amz.slice(0, 8)}T${amz.slice(9, 11) === '00' ? '01' : '00'}${amz.slice(11)}`
    expect(reasonOf(date(otherTime)).reason).toBe('signature-expired')
  })

  it('checks the region of the scope only against the broker\'s region, exactly, when it has one', () => {
    const r = signed()
    expect(verify(r, undefined, 'us-west-2').region).toBe('us-west-2')
    expect(verify(r).region).toBe('us-west-2') // no region configured: any
    expect(reasonOf(r, undefined, 'eu-west-1').reason).toBe('signature-wrong-region')
    expect(reasonOf(r, undefined, 'US-WEST-2').reason).toBe('signature-wrong-region')
    // The region is checked before the service: a scope wrong in both names the region.
    expect(reasonOf(signed({ service: 's3' }), undefined, 'eu-west-1').reason).toBe('signature-wrong-region')
  })

  it('refuses an Authorization header that is not SigV4 in shape', () => {
    const r = signed()
    const edits: ((a: string) => string)[] = [
      () => '',
      (a) => a.replace('AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA1'),
      (a) => a.replace(/SignedHeaders=[^,]*/, 'SignedHeaders='),
      (a) => a.replace(/Signature=[0-9a-f]+/, (s) => s.slice(0, -1)),
      (a) => a.replace(/Signature=[0-9a-f]+/, (s) => `${s}0`),
      (a) => a.replace(/Signature=([0-9a-f]+)/, (_, s: string) => `Signature=${s.toUpperCase()}`),
      (a) => a.replace(/Credential=[^,]*,/, ''),
      (a) => a.replace(/SignedHeaders=[^,]*,\s*/, ''),
      (a) => a.replace(/,\s*Signature=[0-9a-f]+/, ''),
    ]
    for (const edit of edits) expect(reasonOf(withAuth(r, edit)), edit(String(r.req.headers.authorization))).toMatchObject({ status: 403, reason: 'signature-malformed' })
    // A readable header whose Credential is not AKID/yyyymmdd/region/service/aws4_request.
    const scopeEdits: ((a: string) => string)[] = [
      (a) => a.replace('/aws4_request', '/aws4_other'),
      (a) => a.replace('/aws4_request', ''),
      (a) => a.replace('/aws4_request', '/aws4_request/x'),
      (a) => a.replace('Credential=AKIDEXAMPLE', 'Credential='),
      (a) => a.replace(/\/(\d{8})\//, (_, d: string) => `/${d.slice(1)}/`),
      (a) => a.replace(/\/(\d{8})\//, (_, d: string) => `/${d}0/`),
      (a) => a.replace('/us-west-2/', '//'),
      (a) => a.replace('/iotdata/', '//'),
    ]
    for (const edit of scopeEdits) expect(reasonOf(withAuth(r, edit)), edit(String(r.req.headers.authorization))).toMatchObject({ status: 403, reason: 'signature-scope-malformed' })
    // Spacing around the fields is not significant.
    expect(verify(withAuth(r, (a) => `  ${a.replace(/, /g, ' ,  ')}  `)).service).toBe('iotdata')
  })

  it('refuses a path the signer cannot even read as a mismatch, not a crash', () => {
    const r = signed()
    expect(reasonOf({ ...r, req: { ...r.req, url: '/topics/%ZZ' } as unknown as http.IncomingMessage })).toMatchObject({ status: 403, reason: 'signature-mismatch' })
  })

  it('refuses a path aws4 cannot encode (a lone surrogate) as a mismatch, not a crash', () => {
    const r = signed()
    expect(reasonOf({ ...r, req: { ...r.req, url: '/topics/\uD800' } as unknown as http.IncomingMessage })).toEqual({
      status: 403, type: 'ForbiddenException', reason: 'signature-mismatch',
      message: 'The request signature we calculated does not match the signature you provided',
    })
  })

  it('refuses a request without an Authorization header, and a one-part credential', () => {
    const r = signed()
    const { authorization: _, ...rest } = r.req.headers
    expect(reasonOf({ ...r, req: { ...r.req, headers: rest } as unknown as http.IncomingMessage }).reason).toBe('signature-malformed')
    const onePart = withAuth(r, (a) => a.replace(/Credential=[^,]*/, 'Credential=AKIDEXAMPLE'))
    expect(reasonOf(onePart).reason).toBe('signature-scope-malformed')
    expect(claimedAccessKey(onePart.req)).toBe('AKIDEXAMPLE')
  })

  it('claimedAccessKey reads the key id without verifying anything', () => {
    const r = signed()
    expect(claimedAccessKey(r.req)).toBe('AKIDEXAMPLE')
    expect(claimedAccessKey({ headers: {} } as unknown as http.IncomingMessage)).toBeNull()
    expect(claimedAccessKey(withAuth(r, () => 'Basic abc').req)).toBeNull()
  })
})
