import type http from 'node:http'
import { createHash, timingSafeEqual } from 'node:crypto'
import aws4 from 'aws4'
import { forbidden } from './api-error.js'

/**
 * Signing names accepted for the data plane: the API models sign as `iotdata`,
 * the developer guide's DeleteConnection note says `iotdevicegateway`
 * (contradiction C10) [API-SIGNING-NAME].
 */
export const SIGNING_NAMES = ['iotdata', 'iotdevicegateway'] as const

/** AWS allows 15 minutes between the signature's time and the server's. */
const MAX_SKEW_MS = 15 * 60 * 1000

/** Who signed a request that verified. */
export interface SignedCaller {
  accessKeyId: string
  region: string
  service: string
}

interface ParsedAuthorization {
  accessKeyId: string
  /** `AKID/yyyymmdd/region/service/aws4_request`: five non-empty parts, an 8-digit date, the fixed terminator. */
  scopeWellFormed: boolean
  date: string
  region: string
  service: string
  signedHeaders: string[]
  signature: string
}

function parseAuthorization(value: string): ParsedAuthorization | null {
  const m = /^AWS4-HMAC-SHA256\s+(.*)$/s.exec(value.trim())
  if (!m) return null
  const fields = new Map<string, string>()
  for (const part of m[1]!.split(',')) {
    const eq = part.indexOf('=')
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim())
  }
  const signedHeaders = (fields.get('SignedHeaders') ?? '').split(';').filter(Boolean)
  const signature = fields.get('Signature') ?? ''
  const credential = fields.get('Credential')
  if (credential === undefined || signedHeaders.length === 0 || !/^[0-9a-f]{64}$/.test(signature)) return null
  const scope = credential.split('/')
  return {
    accessKeyId: scope[0] ?? '',
    scopeWellFormed: scope.length === 5 && !!scope[0] && /^\d{8}$/.test(scope[1]!) && !!scope[2] && !!scope[3] && scope[4] === 'aws4_request',
    date: scope[1] ?? '',
    region: scope[2] ?? '',
    service: scope[3] ?? '',
    signedHeaders,
    signature,
  }
}

function amzDateMs(value: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value)
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : NaN
}

/**
 * The access key id an Authorization header claims, without verifying
 * anything (only for the 'sigv4-unchecked' deviation); null when unparsable.
 */
export function claimedAccessKey(req: http.IncomingMessage): string | null {
  return parseAuthorization(String(req.headers.authorization ?? ''))?.accessKeyId || null
}

/**
 * Verifies an `Authorization: AWS4-HMAC-SHA256 ...` header by recomputing the
 * signature with aws4 over the same method, path, query, signed headers and
 * body. Any problem is a 403 ForbiddenException [DM-STATUS-401] (contradiction
 * C9: the documents list 403; the API model also has 401). `signingNames` are
 * the credential scopes' services accepted (default both, C10; the
 * 'signing-name-iotdata-only' deviation passes iotdata alone).
 *
 * The whole credential scope is checked as AWS does [API-SIGNING-NAME]: its form
 * (`signature-scope-malformed`), its service, its region against the broker's
 * (`signature-wrong-region`) and its date against X-Amz-Date's
 * (`signature-scope-date-mismatch`). A signature is only valid for the scope it
 * names, so without these checks a request signed for another region verifies.
 */
export function verifySigV4(
  req: http.IncomingMessage,
  body: Buffer,
  secretFor: (accessKeyId: string) => string | undefined,
  signingNames: readonly string[] = SIGNING_NAMES,
  region?: string,
): SignedCaller {
  const auth = parseAuthorization(String(req.headers.authorization ?? ''))
  if (!auth) throw forbidden('signature-malformed', 'The Authorization header is not a valid AWS Signature Version 4 header')
  if (!auth.scopeWellFormed) {
    throw forbidden('signature-scope-malformed', "Credential should be scoped to a valid date, region and service, ending in 'aws4_request' (ACCESS_KEY/yyyymmdd/region/service/aws4_request)")
  }
  if (region !== undefined && auth.region !== region) {
    throw forbidden('signature-wrong-region', `Credential should be scoped to a valid region, not '${auth.region}'; this endpoint is in '${region}'`)
  }
  if (!signingNames.includes(auth.service)) {
    throw forbidden('signature-wrong-service', `Credential should be scoped to a valid service (${signingNames.join(' or ')}), not ${auth.service}`)
  }
  const secret = secretFor(auth.accessKeyId)
  if (secret === undefined) throw forbidden('unknown-access-key', 'The security token included in the request is invalid')
  const amzDate = String(req.headers['x-amz-date'] ?? '')
  const at = amzDateMs(amzDate)
  if (Number.isNaN(at)) throw forbidden('signature-date-invalid', 'X-Amz-Date is missing or not of the form yyyymmddThhmmssZ')
  if (amzDate.slice(0, 8) !== auth.date) {
    throw forbidden('signature-scope-date-mismatch', `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.date}' != '${amzDate.slice(0, 8)}'`)
  }
  if (Math.abs(Date.now() - at) > MAX_SKEW_MS) throw forbidden('signature-expired', 'Signature expired: X-Amz-Date is more than 15 minutes from the server time')
  const declaredHash = req.headers['x-amz-content-sha256']
  if (typeof declaredHash === 'string' && declaredHash !== 'UNSIGNED-PAYLOAD' && declaredHash !== createHash('sha256').update(body).digest('hex')) {
    throw forbidden('payload-hash-mismatch', 'X-Amz-Content-Sha256 does not match the request body')
  }
  const headers: Record<string, string> = {}
  const include: Record<string, boolean> = {}
  for (const name of auth.signedHeaders) {
    const value = req.headers[name]
    if (value === undefined) throw forbidden('signature-header-missing', `Signed header ${name} is missing from the request`)
    headers[name] = Array.isArray(value) ? value.join(',') : value
    include[name] = true // aws4 would otherwise skip headers it never signs itself (user-agent...)
  }
  let expected: string
  try {
    const signer = new aws4.RequestSigner({
      method: req.method,
      path: req.url ?? '/',
      headers,
      body: body.length > 0 ? body : undefined,
      service: auth.service,
      region: auth.region,
      doNotModifyHeaders: true,
      extraHeadersToInclude: include,
    } as aws4.Request, { accessKeyId: auth.accessKeyId, secretAccessKey: secret }) as unknown as { datetime: string; signature(): string }
    signer.datetime = amzDate // with doNotModifyHeaders aws4 does not read X-Amz-Date itself
    expected = signer.signature()
  } catch {
    throw forbidden('signature-mismatch', 'The request signature we calculated does not match the signature you provided')
  }
  const a = Buffer.from(expected)
  const b = Buffer.from(auth.signature)
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    throw forbidden('signature-mismatch', 'The request signature we calculated does not match the signature you provided')
  }
  return { accessKeyId: auth.accessKeyId, region: auth.region, service: auth.service }
}
