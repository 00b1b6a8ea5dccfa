import { z } from 'zod'
import { defineStep, checkClientRef } from '../step-definition.js'
import { durationSchema } from '../duration.js'
import { checkWireOnRaw, clientRefSchema, packetPatternSchema, packetPatternShape, withinSchema } from './common.js'

/**
 * `capture: { v1: payload.versionNumber }`: names for values of the first
 * matched packet, usable by later steps as `${vars.v1}`. The path is dotted;
 * a text value holding JSON (a JSON payload) is parsed when the path goes into it.
 */
const captureSchema = z.record(
  z.string().regex(/^[A-Za-z_]\w*$/, { error: 'capture names are identifiers (used as ${vars.NAME})' }),
  z.string().regex(/^[\w-]+(?:\.[\w-]+)*$/, { error: 'expected a dotted path into the packet, e.g. payload.versionNumber' }),
)

/** One client, or several whose packets are matched together (e.g. the members of a shared subscription group). */
const expectClientsSchema = z.union([clientRefSchema, z.array(clientRefSchema).min(1)])
  .describe('Name of a client declared under clients:, or a list of them: their packets are matched as one stream (in arrival order)')

/**
 * `rate: { max: 10, per: 1s, tolerance: 1 }`: no window of `per` holds more
 * than max + tolerance arrivals. `max: 0` means unlimited, as in profiles, so
 * `max: ${limits.replayRatePerSecond}` works for an unthrottled broker too.
 */
export const expectRateSchema = z.strictObject({
  max: z.number().int().min(0).describe('Most arrivals per window; 0 = unlimited (no check)'),
  per: durationSchema.default(1000),
  tolerance: z.number().int().min(0).default(0),
})
/** A rate limit as the runner applies it (`per` in ms, defaults filled in). */
export type ExpectRate = z.output<typeof expectRateSchema>

/**
 * `expect`: wait for packets on a client, matched on decoded fields as a
 * subset. One pattern (fields at the top level, optionally `count: n`), an
 * ordered `sequence: [...]` or an unordered set `all: [...]`. Matched packets
 * are consumed; packets that match nothing stay for later steps.
 */
export const expectStep = defineStep({
  kind: 'expect',
  description: 'Wait for packet(s) on a client matching a subset of decoded fields (count, ordered sequence or unordered all), within a deadline; optional arrival-rate limit',
  schema: z.strictObject({
    client: expectClientsSchema,
    ...packetPatternShape,
    count: z.number().int().min(1).optional().describe('How many packets must match the pattern'),
    sequence: z.array(packetPatternSchema).min(1).optional().describe('Patterns that must match in this order'),
    all: z.array(packetPatternSchema).min(1).optional().describe('Patterns that must each match a different packet, in any order'),
    within: withinSchema,
    rate: expectRateSchema.optional().describe('Arrival-rate limit over the matched packets, measured from arrival times'),
    keep: z.literal(true).optional().describe('Leave the matched packets for later steps (a setup precondition on a packet a later step asserts on)'),
    capture: captureSchema.optional().describe('Values of the first matched packet for later steps: { NAME: dotted.path } → ${vars.NAME}'),
  }).superRefine((a, ctx) => {
    const hasPattern = Object.keys(packetPatternShape).some((k) => (a as Record<string, unknown>)[k] !== undefined)
    const forms = [hasPattern || a.count !== undefined, a.sequence !== undefined, a.all !== undefined].filter(Boolean).length
    if (forms > 1) ctx.addIssue({ code: 'custom', path: [], message: 'give one form: pattern fields (with optional count), sequence: [...], or all: [...]' })
    if (forms === 0) ctx.addIssue({ code: 'custom', path: [], message: 'nothing to expect: give pattern fields (e.g. packet: publish), sequence: [...] or all: [...]' })
  }),
  check: (args, ctx) => {
    const clients = Array.isArray(args.client) ? args.client : [args.client]
    const refs = Array.isArray(args.client) ? args.client.flatMap((c, i) => checkClientRef(c, ctx, ['client', i])) : checkClientRef(args.client, ctx)
    return [...refs, ...checkWireOnRaw([args, ...(args.sequence ?? []), ...(args.all ?? [])], clients, ctx)]
  },
  asserts: () => true,
})
