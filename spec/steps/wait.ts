import { z } from 'zod'
import { defineStep } from '../step-definition.js'
import { durationSchema } from '../duration.js'

/**
 * `wait: { duration: 3s, reason: "session expiry is 2 s" }`. Only for time a
 * behaviour documents must pass (session expiry, the 1 CONNECT/s limit); for
 * anything observable use expect or wait-for. The reason is mandatory so a
 * sleep never hides a missing event.
 */
export const waitStep = defineStep({
  kind: 'wait',
  description: 'Let a documented amount of time pass (session expiry, rate-limit windows); reason: is required',
  schema: z.strictObject({
    duration: durationSchema,
    reason: z.string().min(3, { error: 'say why this time must pass (reason: ...)' }),
  }),
})
