import { z } from 'zod'
import { defineStep, type StepProblem } from '../step-definition.js'
import { withinSchema } from './common.js'
import { httpExpectationShape } from './http.js'

/** `expect-http: { as, status, body }`: the response of an earlier `http` step with the same `as`. */
export const expectHttpStep = defineStep({
  kind: 'expect-http',
  description: 'Check the response of an earlier http step sent with as: NAME (waits for it within the deadline)',
  schema: z.strictObject({
    as: z.string(),
    ...httpExpectationShape,
    within: withinSchema,
  }),
  asserts: () => true,
  check: (args, ctx): StepProblem[] =>
    ctx.httpNames.has(args.as) ? [] : [{ path: ['as'], message: `no earlier http step has as: ${args.as}` }],
})
