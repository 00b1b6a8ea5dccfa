import type { ProfileOverrides } from './profile.js'
import { mergeProfile } from './profile.js'
import { DeviationUnknownError } from './errors.js'

/**
 * A deliberately broken behaviour: the reference broker run with one documented
 * behaviour switched off, so the harness can show that the scenarios for that
 * behaviour (and only a few others) turn red. A deviation is a profile change
 * where the profile can express it, otherwise a named fault the code checks.
 */
export interface Deviation {
  name: string
  description: string
  /** Catalogue ids whose scenarios must fail under this deviation. */
  breaks: string[]
  overrides?: ProfileOverrides
  fault?: string
}

const list: Deviation[] = [
  { name: 'retained-through-wildcards', description: 'retained messages also reach wildcard filters (standard MQTT)', breaks: ['RET-EXACT-MATCH'], overrides: { retained: { exactMatchOnly: false } } },
  { name: 'replay-unthrottled', description: 'stored messages are replayed at once after a resumed CONNACK', breaks: ['PS-REPLAY-RATE'], overrides: { sessions: { replayRatePerSecond: 0 } } },
  { name: 'alias-limit-9', description: 'topic alias 9 is accepted while CONNACK still advertises 8', breaks: ['ALIAS-OUT-OF-RANGE-0x94'], fault: 'alias-accepts-one-more' },
  { name: 'hash-matches-parent', description: 'a/# also matches a (standard MQTT)', breaks: ['TOPIC-HASH-NO-PARENT'], overrides: { mqtt: { hashMatchesParent: true } } },
  { name: 'qos2-accepted', description: 'QoS 2 is supported and advertised', breaks: ['QOS2-NO-ACK', 'QOS2-V5-MAXIMUM-QOS', 'LWT-QOS2-REFUSED', 'M5-CONNACK-PROPERTIES'], overrides: { mqtt: { maximumQoS: 2, qos2: { mqtt311: 'support', mqtt5Publish: 'support', mqtt5Subscribe: 'support', will: 'support' } } } },
  { name: 'keepalive-unclamped', description: 'the requested keep-alive is used as is', breaks: ['KA-RANGE-30-1200'], overrides: { mqtt: { keepAlive: { minSeconds: 0, maxSeconds: 65535, zeroMeansSeconds: 0 } } } },
  { name: 'takeover-silent', description: 'a displaced MQTT 5 connection is closed without DISCONNECT 0x8E', breaks: ['CID-TAKEOVER-V5-REASON'], fault: 'takeover-without-disconnect' },
  { name: 'will-on-disconnect', description: 'the Will is published even after a clean DISCONNECT', breaks: ['LWT-NOT-ON-DISCONNECT'], fault: 'will-on-disconnect' },
  { name: 'topic-quotas-off', description: 'topics may be longer than 256 bytes and deeper than 7 slashes', breaks: ['TOPIC-MAX-256', 'TOPIC-MAX-7-SLASHES'], overrides: { mqtt: { topicMaxBytes: 65535, topicMaxSlashes: 1000 } } },
  { name: 'filters-per-subscribe-off', description: 'a SUBSCRIBE may carry any number of filters', breaks: ['SUB-MAX-8-PER-SUBSCRIBE'], overrides: { mqtt: { filtersPerSubscribe: 100000 } } },
  { name: 'payload-limit-off', description: 'payloads up to the packet size limit are accepted', breaks: ['LIM-PAYLOAD-128KB'], overrides: { mqtt: { payloadMaxBytes: 149504 } } },
  { name: 'receive-maximum-65535', description: 'CONNACK advertises Receive Maximum 65535', breaks: ['M5-CONNACK-PROPERTIES'], overrides: { mqtt: { receiveMaximum: 65535 } } },
  { name: 'shared-fanout', description: 'every member of a shared group gets every message', breaks: ['SHARE-ONE-PER-GROUP'], fault: 'shared-fanout' },
  { name: 'expiry-not-decremented', description: 'replayed messages carry their original Message Expiry Interval', breaks: ['MEI-REMAINING', 'PS-MEI-EXPIRED-NOT-DELIVERED'], fault: 'mei-not-decremented' },
  { name: 'dm-200-before-puback', description: 'SendDirectMessage with confirmation answers 200 before the PUBACK', breaks: ['DM-CONFIRM-TRUE-QOS1', 'DM-STATUS-504'], fault: 'dm-200-before-puback' },
  { name: 'dm-404-for-connected', description: 'SendDirectMessage answers 404 for a connected client', breaks: ['DM-API-PATH', 'DM-STATUS-404'], fault: 'dm-404-for-connected' },
]

/** Every deviation, by name. */
export const deviations: ReadonlyMap<string, Deviation> = new Map(list.map((d) => [d.name, d]))

/** Profile overrides and fault names for a set of deviation names; throws on an unknown name. */
export function resolveDeviations(names: readonly string[]): { overrides: ProfileOverrides; faults: Set<string> } {
  let overrides: Record<string, unknown> = {}
  const faults = new Set<string>()
  for (const name of names) {
    const d = deviations.get(name)
    if (!d) throw new DeviationUnknownError(name, [...deviations.keys()])
    if (d.overrides) overrides = mergeProfile(overrides, d.overrides as Record<string, unknown>)
    if (d.fault) faults.add(d.fault)
  }
  return { overrides: overrides as ProfileOverrides, faults }
}
