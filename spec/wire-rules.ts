import { z } from 'zod'

/**
 * Byte-level encoding rules a raw client checks on every frame it receives.
 * A packet a raw client received carries `wire`: the names of the rules its
 * frame breaks, so `wire: []` asserts that the frame is well-formed (decoding
 * alone cannot tell: mqtt-packet reads a padded length or a flag bit it does
 * not use without complaint). The runner implements each rule by name
 * (runners/adapters/wire-rules.ts).
 */
export const WIRE_RULES = {
  /** Remaining Length, Property Length and Subscription Identifiers use the fewest bytes [MQTT5-1.5.5-1]. */
  'minimal-variable-byte-integers': { statements: ['MQTT5-1.5.5-1'], description: 'every Variable Byte Integer uses the fewest bytes that hold its value' },
  /** The fixed-header flag bits of every packet but PUBLISH have the values of the flags table [MQTT311-2.2.2-1] [MQTT5-2.1.3-1]. */
  'reserved-flags': { statements: ['MQTT311-2.2.2-1', 'MQTT5-2.1.3-1'], description: 'fixed-header flags are 0010 on PUBREL, SUBSCRIBE and UNSUBSCRIBE and 0000 on every other packet but PUBLISH' },
  /**
   * An MQTT 5 packet that has a properties section carries its Property Length, 0 when there
   * is no property, and the properties fit in it [MQTT5-2.2.2-1] (the acknowledgements and
   * DISCONNECT / AUTH short forms without one are allowed).
   */
  'property-length': { statements: ['MQTT5-2.2.2-1'], description: 'an MQTT 5 packet with a properties section starts it with its Property Length (0 for none), and the properties fit in it' },
  /**
   * The frame is no larger than the Maximum Packet Size the client gave in its MQTT 5 CONNECT (a
   * CONNACK included) [MQTT5-3.1.2-24] [MQTT5-3.2.2-19]; a client that gave none accepts any size.
   */
  'within-client-maximum-packet-size': { statements: ['MQTT5-3.1.2-24'], description: 'the frame is no larger than the Maximum Packet Size the client sent in its CONNECT' },
} as const satisfies Record<string, { statements: readonly string[]; description: string }>

export type WireRuleName = keyof typeof WIRE_RULES
export const WIRE_RULE_NAMES = Object.keys(WIRE_RULES) as WireRuleName[]

/** The `wire` field of a received packet: the rules its frame breaks, or a matcher of that list. */
export const wireRuleNameSchema = z.enum(WIRE_RULE_NAMES as [WireRuleName, ...WireRuleName[]]).describe('A byte-level encoding rule (spec/wire-rules.ts)')
