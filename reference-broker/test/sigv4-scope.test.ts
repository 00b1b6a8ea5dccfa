import { describe, expect, it } from 'vitest'
import aws4 from 'aws4'
import { broker } from './helpers.js'
import { errorShape, http, memoryLogger, type HttpResult } from './http-helpers.js'
import type { ProfileOverrides } from '../index.js'

const KEY = { accessKeyId: 'AKIDSCOPE', secretAccessKey: 'scope-secret' }
/** Keys configured, no policies: every signed request is verified, every verified one allowed. */
const overrides: ProfileOverrides = { auth: { region: 'us-west-2', credentials: [KEY] } }
const PATH = '/topics/scope%2Ftest?qos=0'

interface Signing {
  region?: string
  service?: string
  /** Rewrites the Credential scope after signing (the signature still covers the original). */
  scope?: (parts: string[]) => string[]
}

/** A publish signed with aws4 like an AWS SDK would, optionally for another scope. */
function publish(base: string, s: Signing = {}): Promise<HttpResult> {
  const opts = aws4.sign({ host: new URL(base).host, method: 'POST', path: PATH, body: 'x', service: s.service ?? 'iotdata', region: s.region ?? 'us-west-2', headers: {} }, KEY)
  const headers = Object.fromEntries(Object.entries(opts.headers ?? {}).map(([k, v]) => [k, String(v)]))
  if (s.scope) headers.Authorization = headers.Authorization!.replace(/Credential=([^,]+)/, (_m, cred: string) => `Credential=${s.scope!(cred.split('/')).join('/')}`)
  return http(base, 'POST', PATH, { body: 'x', headers })
}

describe('[API-SIGNING-NAME] [DM-STATUS-403] SigV4 credential scope: AKID/date/region/service/aws4_request', () => {
  it('a correct scope passes (both signing names); each wrong part is a 403 ForbiddenException with its own log reason', async () => {
    const { logger, lines } = memoryLogger()
    const b = await broker({ overrides, logger })
    const base = b.urls.http!
    expect((await publish(base)).status).toBe(200)
    expect((await publish(base, { service: 'iotdevicegateway' })).status).toBe(200)
    const yesterday = (d: string) => {
      const t = Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8)) - 86_400_000
      return new Date(t).toISOString().slice(0, 10).replace(/-/g, '')
    }
    const cases: [string, string, Signing][] = [
      ['region of another broker', 'signature-wrong-region', { region: 'eu-west-1' }],
      ['region case differs', 'signature-wrong-region', { region: 'US-WEST-2' }],
      ['service not a data-plane signing name', 'signature-wrong-service', { service: 'execute-api' }],
      ['scope date is not the X-Amz-Date day', 'signature-scope-date-mismatch', { scope: (p) => [p[0]!, yesterday(p[1]!), p[2]!, p[3]!, p[4]!] }],
      ['terminator is not aws4_request', 'signature-scope-malformed', { scope: (p) => [...p.slice(0, 4), 'aws4_reques'] }],
      ['a part missing', 'signature-scope-malformed', { scope: (p) => [p[0]!, p[1]!, p[3]!, p[4]!] }],
      ['date not 8 digits', 'signature-scope-malformed', { scope: (p) => [p[0]!, p[1]!.slice(0, 6), p[2]!, p[3]!, p[4]!] }],
      ['empty region', 'signature-scope-malformed', { scope: (p) => [p[0]!, p[1]!, '', p[3]!, p[4]!] }],
    ]
    for (const [what, reason, signing] of cases) {
      const res = await publish(base, signing)
      expect({ what, ...errorShape(res) }).toEqual({ what, status: 403, type: 'ForbiddenException', hasMessage: true, traceIdMatches: true })
      const line = lines.find((l) => l.event === 'http-request' && l.traceId === res.json.traceId)
      expect({ what, reason: line?.reason }).toEqual({ what, reason })
    }
  })

  it('the region checked is the configured one: a broker in eu-west-1 accepts eu-west-1 and refuses us-west-2', async () => {
    const b = await broker({ overrides: { auth: { region: 'eu-west-1', credentials: [KEY] } } })
    expect((await publish(b.urls.http!, { region: 'eu-west-1' })).status).toBe(200)
    expect((await publish(b.urls.http!, { region: 'us-west-2' })).status).toBe(403)
  })
})
