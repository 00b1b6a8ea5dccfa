import { z } from 'zod'
import { defineStep, checkClientRef } from '../step-definition.js'
import { durationSchema } from '../duration.js'
import { checkWireOnRaw, clientRefSchema, packetPatternShape } from './common.js'

/** `expect-nothing: { client, packet: publish, within: 2s }`: no matching packet arrives for the whole window. */
export const expectNothingStep = defineStep({
  kind: 'expect-nothing',
  description: 'Pass when no packet matching the pattern (any packet if no fields) arrives on the client for the whole window',
  schema: z.strictObject({
    client: clientRefSchema,
    ...packetPatternShape,
    within: durationSchema.describe('How long to watch'),
  }),
  check: (args, ctx) => [...checkClientRef(args.client, ctx), ...checkWireOnRaw([args], [args.client], ctx)],
  asserts: () => true,
})
