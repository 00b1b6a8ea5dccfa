import { z } from 'zod'
import { defineStep, checkClientRef } from '../step-definition.js'
import { durationSchema } from '../duration.js'
import { httpExpectationShape, httpRequestShape } from './http.js'
import { clientRefSchema } from './common.js'

/**
 * `wait-for: { within: 10s, every: 200ms, http: { path, expect } }` polls an
 * HTTP request until its expectation holds; `wait-for: { client, state:
 * closed }` waits for a client's connection state. Fails at the deadline.
 */
export const waitForStep = defineStep({
  kind: 'wait-for',
  description: 'Poll a condition until it holds or the deadline passes: an HTTP request\'s expectation, or a client\'s connection state',
  schema: z.strictObject({
    within: durationSchema,
    every: durationSchema.default(200),
    http: z.strictObject({ ...httpRequestShape, expect: z.strictObject(httpExpectationShape) }).optional(),
    client: clientRefSchema.optional(),
    state: z.enum(['connected', 'closed']).optional(),
  }).refine((a) => (a.http !== undefined) !== (a.client !== undefined && a.state !== undefined), { message: 'give either http: {...} or client + state' }),
  check: (args, ctx) => checkClientRef(args.client, ctx),
  asserts: () => true,
})
