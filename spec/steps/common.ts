import { z } from 'zod'
import { durationSchema } from '../duration.js'
import { matcherSchema, typedMatcherSchema } from '../matcher-schema.js'
import { WIRE_RULE_NAMES } from '../wire-rules.js'
import type { StepCheckContext, StepProblem } from '../step-definition.js'

/** Name of a client declared under `clients:`. */
export const clientRefSchema = z.string().min(1).describe('Name of a client declared under clients:')

/** A deadline for the step; it never outlives the scenario's own deadline. */
export const withinSchema = durationSchema.optional().describe('Deadline for this step (default 5s); never beyond the scenario timeout')

export const PACKET_NAMES = ['connack', 'publish', 'puback', 'pubrec', 'pubrel', 'pubcomp', 'suback', 'unsuback', 'pingresp', 'disconnect', 'auth'] as const
const packetNameSchema = z.enum(PACKET_NAMES).describe('Packet type')

/**
 * Fields a received packet is matched on, decoded; only `wire` looks at the bytes
 * (the encoding rules of spec/wire-rules.ts the frame breaks, raw clients only). Each value is
 * an expected value or matcher; only the fields given are compared (subset).
 * SUBACK/UNSUBACK codes are `reasonCodes`; a 3.1.1 CONNACK's return code is
 * also `reasonCode`; payloads and correlation data compare as UTF-8 text.
 */
export const packetPatternShape = {
  packet: packetNameSchema.optional(),
  topic: typedMatcherSchema('text', 'topic').optional(),
  payload: typedMatcherSchema('text', 'payload').optional(),
  qos: typedMatcherSchema('integer', 'qos').optional(),
  retain: typedMatcherSchema('flag', 'retain').optional(),
  dup: typedMatcherSchema('flag', 'dup').optional(),
  messageId: typedMatcherSchema('integer', 'messageId').optional(),
  reasonCode: typedMatcherSchema('integer', 'reasonCode').optional(),
  reasonCodes: typedMatcherSchema('integer-list', 'reasonCodes').optional(),
  sessionPresent: typedMatcherSchema('flag', 'sessionPresent').optional(),
  properties: matcherSchema.optional(),
  wire: matcherSchema.superRefine((value, ctx) => {
    if (!Array.isArray(value)) return
    value.forEach((v, i) => { if (typeof v === 'string' && !(WIRE_RULE_NAMES as string[]).includes(v)) ctx.addIssue({ code: 'custom', path: [i], message: `unknown encoding rule ${JSON.stringify(v)}; known: ${WIRE_RULE_NAMES.join(', ')}` }) })
  }).optional().describe(`Raw clients only: the byte-level encoding rules the received frame breaks (${WIRE_RULE_NAMES.join(', ')}); [] = well-formed`),
}

export const packetPatternSchema = z.strictObject(packetPatternShape)
export type PacketPattern = z.output<typeof packetPatternSchema>

/** The pattern fields of an object that also carries step options. */
export function patternOf(args: Record<string, unknown>): PacketPattern {
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(packetPatternShape)) if (args[key] !== undefined) out[key] = args[key]
  return out as PacketPattern
}

/** `wire` is known for raw clients' packets only (MQTT.js does not keep the bytes): a problem for any other client. */
export function checkWireOnRaw(patterns: readonly { wire?: unknown }[], clients: readonly string[], ctx: StepCheckContext): StepProblem[] {
  if (!patterns.some((p) => p.wire !== undefined)) return []
  const notRaw = clients.filter((c) => ctx.clients[c] && ctx.clients[c]!.kind !== 'raw')
  return notRaw.length ? [{ path: ['client'], message: `wire: the encoding of received frames is known for raw clients only; ${notRaw.join(', ')} ${notRaw.length > 1 ? 'are' : 'is'} not kind: raw` }] : []
}
