import { z } from 'zod'
import { defineStep, type StepProblem } from '../step-definition.js'
import { matcherSchema } from '../matcher-schema.js'
import { withinSchema } from './common.js'

/** What an HTTP response must look like; every field optional, bodies match as subsets. */
export const httpExpectationShape = {
  status: matcherSchema.optional().describe('Status code or matcher, e.g. 200 or { oneOf: [200, 202] }'),
  headers: z.record(z.string(), matcherSchema).optional().describe('Response headers (names in lower case)'),
  body: matcherSchema.optional().describe('JSON body subset (or text) with matchers'),
  latencyMs: matcherSchema.optional().describe('Request-to-response time in milliseconds, e.g. { gte: 1000 } (the 200 came only after a delayed PUBACK)'),
}
/** `expect: { status, headers, body, latencyMs }` of an http / expect-http / wait-for step. */
export type HttpExpectation = z.output<z.ZodObject<typeof httpExpectationShape>>

/**
 * How a request is signed with SigV4. Absent: with the target's credentials
 * when it has any (the `sigv4` capability), else unsigned. `false`: unsigned.
 * `true`: with the target's credentials (a step error when it has none). A
 * mapping: the target's credentials with these changes, e.g. `{ service:
 * iotdevicegateway }` (another signing name), `{ secretAccessKey: wrong }` or
 * `{ tamper: true }` (a bad signature).
 */
export const signSchema = z.union([
  z.boolean(),
  z.strictObject({
    service: z.string().min(1).optional().describe('Signing name instead of the target\'s, e.g. iotdata or iotdevicegateway'),
    accessKeyId: z.string().min(1).optional().describe('Access key id instead of the target\'s'),
    secretAccessKey: z.string().min(1).optional().describe('Secret key instead of the target\'s (a wrong one makes a bad signature)'),
    region: z.string().min(1).optional().describe('Region of the credential scope instead of the target\'s'),
    tamper: z.boolean().optional().describe('Sign, then change one hex digit of the signature (a bad signature with a valid key)'),
  }),
]).describe('SigV4 signing: absent = the target\'s credentials if it has any; false = unsigned; true = the target\'s credentials (required); { service, accessKeyId, secretAccessKey, region, tamper } = the target\'s with these changes')
export type SignOption = z.output<typeof signSchema>

/** An HTTP request against the target's HTTP endpoint (data plane). */
export const httpRequestShape = {
  method: z.enum(['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'PATCH']).default('GET'),
  path: z.string().startsWith('/', { error: 'path must start with /' }),
  query: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  body: z.union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())]).optional().describe('Text, or a mapping/list sent as JSON'),
  sign: signSchema.optional(),
}

/**
 * `http: { method, path, query, body, expect: { status, body } }`. With
 * `as: name` and `await: false` the step sends the request and goes on; a later
 * `expect-http: { as: name }` checks the response (a direct message waiting
 * for the device's PUBACK). `bodySize: n` sends n bytes instead of `body`
 * (size limits). `count: n` sends n copies at once (`${i}` = 0..n-1): `expect`
 * must hold for each response and `responses` for the list of them, e.g.
 * `{ contains: { status: 429 } }` (a burst past a rate limit). `sign:` changes
 * how the request is signed (signSchema): unsigned, another signing name, a
 * wrong key or a tampered signature [DM-STATUS-401] [API-SIGNING-NAME].
 */
export const httpStep = defineStep({
  kind: 'http',
  description: 'Send an HTTP request to the target\'s HTTP endpoint (SigV4-signed when the target has credentials; sign: false sends it unsigned, sign: { service, secretAccessKey, tamper, ... } signs it otherwise) and check the response; with as + await: false check it later with expect-http',
  schema: z.strictObject({
    ...httpRequestShape,
    bodySize: z.number().int().min(0).optional().describe('Send this many bytes (x) as the body instead of body (size limits)'),
    expect: z.strictObject(httpExpectationShape).optional(),
    count: z.number().int().min(1).max(10_000).default(1).describe('Send this many requests at once (`${i}` is 0..count-1); expect holds for each response'),
    responses: matcherSchema.optional().describe('With count: a matcher over the list of responses ({ status, headers, body, latencyMs }), e.g. { contains: { status: 429 } }'),
    as: z.string().regex(/^[A-Za-z][\w-]*$/).optional().describe('Name for expect-http'),
    await: z.boolean().default(true).describe('false: do not wait for the response here (needs as:)'),
    within: withinSchema,
  }).refine((a) => a.await || a.as !== undefined, { message: 'await: false needs as: NAME so expect-http can check the response', path: ['await'] })
    .refine((a) => a.count === 1 || a.as === undefined, { message: 'as: names one response; it cannot be used with count', path: ['as'] })
    .refine((a) => a.bodySize === undefined || a.body === undefined, { message: 'give body or bodySize, not both', path: ['bodySize'] }),
  asserts: (a) => a.expect !== undefined || a.responses !== undefined,
  check: (args, ctx): StepProblem[] => {
    if (args.as === undefined) return []
    if (ctx.httpNames.has(args.as)) return [{ path: ['as'], message: `http request name "${args.as}" is used twice` }]
    ctx.httpNames.add(args.as)
    return []
  },
})
