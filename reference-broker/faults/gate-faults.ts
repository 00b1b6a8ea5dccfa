import type { Fault, Faults } from '../deviations.js'
import type { GateConnection, GateHandlers } from '../gate/connection.js'
import { PT, encode, fastPublish, peekConnect, publishTopicUtf8Problem } from '../mqtt-codec.js'
import { RC } from '../reason-codes.js'
import { RateLimiter } from '../rate-limiter.js'
import { parseShared, topicFilterProblem } from '../topic-rules.js'
import { peekInbound } from '../gate/inbound/decode.js'
import { filterFailure, filterVerdictWith } from '../gate/subscriptions.js'
import { contentTypeRule, topicNameRule, userPropertiesRule } from '../inbound-checks.js'
import { AWS_MEASURES, type Measures } from '../measures.js'
import { propertyBytesProblem } from '../property-bytes.js'
import { dropWellFormed, wrapEntry, wrapInbound, wrapPublishRule, withoutPublishRule, perKey, type GateDecorator } from './gate-decorators.js'
import { CONNECT_FAULTS } from './gate-connect-faults.js'
import { DELIVERY_FAULTS } from './gate-delivery-faults.js'
import { FEATURE_FAULTS } from './gate-feature-faults.js'
import { AUTH_FAULTS } from './gate-auth-faults.js'

/**
 * The gate's deliberate deviations (deviations.ts), each a decorator of the
 * gate's handlers (gate/connection.ts GateHandlers): installed only on a broker
 * that runs with the deviation, so the rules in gate/ hold no fault. A fault is
 * named after its deviation. Those that rewrite what the client sends come
 * last, so they wrap every other.
 */

/** Every client packet type but PUBLISH. */
const NOT_PUBLISH = Array.from({ length: 16 }, (_, t) => t).filter((t) => t !== PT.PUBLISH)

/** A client frame as a packet, without acting on it (null: the handler refuses it anyway). */
const peekPublish = (c: GateConnection, frame: Buffer) => fastPublish(frame, c.version) ?? peekInbound(c, frame)

/** Topic aliases kept per client id across connections (per broker), for `aliases-outlive-connection`. */
const aliasesOfBroker = perKey<object, Map<string, Map<number, string>>>(() => new Map())
const aliasesOfConnection = new WeakMap<GateConnection, Map<number, string>>()

/** Filters a connection subscribed to, for `resubscribe-retained-withheld`. */
const filtersSeen = perKey<GateConnection, Set<string>>(() => new Set())

/** A SUBSCRIBE whose filters `rewrite` changes in place goes on re-encoded. */
function rewriteFilters(rewrite: (c: GateConnection, s: { topic: string; qos: number; nl?: boolean; rap?: boolean; rh?: number }) => boolean): GateDecorator {
  return wrapInbound([PT.SUBSCRIBE], (next) => (c, f) => {
    const packet = peekInbound(c, f)
    if (!packet) return next(c, f)
    let changed = false
    for (const s of packet.subscriptions) if (rewrite(c, s)) changed = true
    next(c, changed ? encode(packet, c.version) : f)
  })
}

type MqttLimits = GateConnection['profile']['mqtt']
const withOneMoreAlias = new WeakMap<MqttLimits, MqttLimits>()
/** The profile's limits with one more topic alias allowed, for `alias-limit-9`. */
function oneMoreAlias(m: MqttLimits): MqttLimits {
  let more = withOneMoreAlias.get(m)
  if (!more) withOneMoreAlias.set(m, (more = { ...m, topicAliasMaximum: m.topicAliasMaximum + 1 }))
  return more
}

/** The highest topic alias the gate accepts from this client [ALIAS-OUT-OF-RANGE-0x94]. */
const clientAliasMaximum = (c: GateConnection) => c.profile.mqtt.topicAliasMaximum + (c.host.faults.has('alias-limit-9') ? 1 : 0)

/** A CONNECT frame edited before the gate reads it (`edit` changes the copy in place). */
function rewriteConnect(edit: (frame: Buffer, head: NonNullable<ReturnType<typeof peekConnect>>) => void): GateDecorator {
  return wrapEntry('connect', (next) => (c, f) => {
    const head = peekConnect(f)
    if (!head) return next(c, f)
    const copy = Buffer.from(f)
    edit(copy, head)
    next(c, copy)
  })
}

/** The PUBLISH and SUBSCRIBE size rules counting in other units than AWS's (measures.ts). */
function measuredBy(change: Partial<Measures>): GateDecorator {
  const measures: Measures = { ...AWS_MEASURES, ...change }
  const rules = [topicNameRule(measures), userPropertiesRule(measures), contentTypeRule(measures)]
  return (h) => ({
    ...h,
    publishRules: h.publishRules.map((r) => rules.find((m) => m.id === r.id) ?? r),
    filterVerdict: filterVerdictWith(measures),
  })
}

/** UTF-16 code units, what a JavaScript string's length counts. */
const utf16Units = (s: string) => s.length

export const GATE_FAULTS: Partial<Record<Fault, GateDecorator>> = {
  ...CONNECT_FAULTS,
  ...FEATURE_FAULTS,
  ...AUTH_FAULTS,

  // ---- PUBLISH -------------------------------------------------------------------------
  // Topic alias 9 is accepted while the CONNACK advertises 8 [ALIAS-OUT-OF-RANGE-0x94].
  'alias-limit-9': wrapPublishRule('ALIAS-OUT-OF-RANGE-0x94', (next) => (ctx) => {
    const m = ctx.m
    ctx.m = oneMoreAlias(m)
    try {
      return next(ctx)
    } finally {
      ctx.m = m
    }
  }),
  // Topic alias 0 is accepted and set like 1 to 8 (aedes itself would close: it goes on without the alias) [ALIAS-MAX-8].
  'alias-zero-accepted': wrapPublishRule('ALIAS-OUT-OF-RANGE-0x94', (next) => (ctx) => {
    if (!ctx.v5 || ctx.packet.properties?.topicAlias !== 0) return next(ctx)
    if (ctx.topic) ctx.aliases.set(0, ctx.topic)
    else {
      const known = ctx.aliases.get(0)
      if (known === undefined) return next(ctx)
      ctx.topic = known
    }
    delete ctx.packet.properties.topicAlias
    ctx.rewritten = true
    return undefined
  }),
  // Sizes counted in other units [TOPIC-MAX-256] [TOPIC-MAX-7-SLASHES] [SHARE-SYNTAX] [M5-USER-PROPERTIES] [M5-PAYLOAD-FORMAT-CONTENT-TYPE].
  'topic-length-in-characters': measuredBy({ topicSize: utf16Units }),
  'user-properties-in-characters': measuredBy({ userPropertySize: (name, value) => name.length + value.length + 4 }),
  'user-properties-names-not-counted': measuredBy({ userPropertySize: (_name, value) => Buffer.byteLength(value) + 4 }),
  'content-type-in-characters': measuredBy({ contentTypeSize: utf16Units }),
  'share-name-in-bytes': measuredBy({ shareNameLength: (name) => Buffer.byteLength(name) }),
  'share-prefix-counted-in-length': measuredBy({ sharePrefixCounted: true }),
  'basic-ingest-prefix-counted': measuredBy({ basicIngestPrefixCounted: true }),
  // Topic aliases are kept per client id, so a new connection can use an alias an earlier one set [ALIAS-CONNECTION-SCOPE].
  'aliases-outlive-connection': (h) => wrapInbound([PT.PUBLISH], (next) => (c, f) => {
    const kept = aliasesOfConnection.get(c)
    const packet = kept && c.version === 5 ? peekPublish(c, f) : null
    const alias = packet?.properties?.topicAlias as number | undefined
    if (!kept || !packet || alias === undefined) return next(c, f)
    if (packet.topic) {
      if (alias !== 0 && alias <= clientAliasMaximum(c)) kept.set(alias, String(packet.topic))
      return next(c, f)
    }
    const topic = kept.get(alias)
    if (topic === undefined) return next(c, f)
    // aedes knows only this connection's aliases: it gets the topic itself.
    packet.topic = topic
    delete packet.properties.topicAlias
    next(c, encode(packet, 5))
  })(wrapEntry('connect', (next) => (c, f) => {
    next(c, f)
    if (c.clientId === null) return
    const byClient = aliasesOfBroker(c.host)
    let aliases = byClient.get(c.clientId)
    if (!aliases) byClient.set(c.clientId, (aliases = new Map()))
    aliasesOfConnection.set(c, aliases)
  })(h)),
  // A retained publish onto an allowed $ topic is accepted [RET-NOT-ON-RESERVED].
  'retain-on-reserved-allowed': withoutPublishRule('RET-NOT-ON-RESERVED'),
  // A Response Topic with wildcards is left to aedes, which closes without DISCONNECT [M5-SERVER-DISCONNECT].
  'response-topic-unchecked': withoutPublishRule('M5-REQUEST-RESPONSE'),
  // A message without expiry gets a 1-day interval [MEI-ABSENT-NO-EXPIRY].
  'mei-default-added': wrapPublishRule('MEI-MIN-1', (next) => (ctx) => {
    const props = ctx.v5 ? ctx.packet.properties as Record<string, any> | undefined : undefined
    if (!ctx.v5 || props?.messageExpiryInterval !== undefined) return next(ctx)
    ctx.packet.properties = { ...(props ?? {}), messageExpiryInterval: 86400 }
    ctx.rewritten = true
    return undefined
  }),
  // Topics with ill-formed UTF-8 or U+0000 are accepted (aedes' own behaviour) [MQTT5-1.5.4-1].
  'utf8-unchecked': withoutPublishRule('MQTT5-1.5.4-1'),
  // A user property whose name or value is ill-formed UTF-8 is decoded leniently (U+FFFD) and the
  // PUBLISH goes on, re-encoded [MQTT5-1.5.7-1].
  'user-property-utf8-unchecked': wrapInbound([PT.PUBLISH], (next) => (c, f) => {
    const problem = c.version === 5 ? propertyBytesProblem(f) : null
    if (!problem?.detail.startsWith('User Property')) return next(c, f)
    let packet: Record<string, unknown>
    try { packet = c.inDecoder.decode(f) as unknown as Record<string, unknown> } catch { return next(c, f) }
    next(c, encode(packet, 5))
  }),
  // A PUBLISH to a wildcard topic is acknowledged and dropped; the connection stays [TOPIC-NO-WILDCARD-PUBLISH].
  'wildcard-publish-dropped': wrapInbound([PT.PUBLISH], (next) => (c, f) => {
    const packet = peekPublish(c, f)
    const topic = String(packet?.topic ?? '')
    if (!packet || !/[+#]/.test(topic)) return next(c, f)
    const malformed = (topic.includes('\uFFFD') || topic.includes('\u0000')) && !c.host.faults.has('utf8-unchecked') && publishTopicUtf8Problem(f) !== null
    if (malformed) return next(c, f)
    if (packet.qos === 1) c.writeOut(encode({ cmd: 'puback', messageId: packet.messageId }, c.version))
  }),
  // A PUBLISH goes to aedes with the DUP flag its publisher set, which aedes copies to subscribers
  // (aedes' own behaviour; replaces the entry) [MQTT311-3.3.1-3] [MQTT5-3.3.1-3].
  'dup-flag-forwarded': wrapEntry('forwardPublish', () => (c, f) => c.forward(f)),
  // A plain publish replaces the topic's retained message [RET-NONRETAINED-DOES-NOT-CLEAR].
  'nonretained-replaces-retained': wrapEntry('forwardPublish', (next) => (c, f, p, topic) => {
    if (!p.retain && c.host.hasRetained(topic)) f[0] = f[0]! | 0x01
    next(c, f, p, topic)
  }),

  // ---- SUBSCRIBE, UNSUBSCRIBE, SUBACK --------------------------------------------------
  // Filters folded to lower case [TOPIC-CASE-SENSITIVE].
  'filter-case-folded': rewriteFilters((_c, s) => s.topic !== (s.topic = s.topic.toLowerCase())),
  // U+FEFF dropped from filters, so a topic holding it never matches [MQTT5-1.5.4-3].
  'bom-stripped': rewriteFilters((_c, s) => s.topic !== (s.topic = s.topic.replace(/\uFEFF/g, ''))),
  // A trailing `+` matches any depth [TOPIC-PLUS-ONE-LEVEL].
  'trailing-plus-multi-level': rewriteFilters((_c, s) => s.topic.endsWith('/+') && ((s.topic = s.topic.slice(0, -1) + '#'), true)),
  // A persistent session's QoS 0 subscriptions are kept as QoS 1 [PERSISTED-QOS-IS-MIN].
  'subscription-qos-raised': rewriteFilters((c, s) => s.qos === 0 && !c.cleanStart && ((s.qos = 1), true)),
  // No Local, Retain As Published and Retain Handling dropped [MQTT5-3.8.3-3].
  'subscription-options-ignored': rewriteFilters((_c, s) => {
    if (!(s.nl || s.rap || s.rh)) return false
    s.nl = false
    s.rap = false
    s.rh = 0
    return true
  }),
  // A replaced MQTT 5 subscription is sent on as Retain Handling 2, so its retained messages are withheld [MQTT5-3.8.4-4].
  'resubscribe-retained-withheld': rewriteFilters((c, s) => {
    if (c.version !== 5) return false
    const held = filtersSeen(c)
    if (!held.has(s.topic)) return void held.add(s.topic), false
    s.rh = 2
    return true
  }),
  // A SUBSCRIBE to a filter the connection holds is acknowledged; the old subscription stays [MQTT5-3.8.4-3].
  'resubscribe-ignored': wrapEntry('filterVerdict', (next) => (c, s, shared, held) =>
    held.has(s.topic) ? { grant: Math.min(s.qos, c.profile.mqtt.maximumQoS) } : next(c, s, shared, held)),
  // The slashes of `$share/{name}/` count against the quota [SHARE-SYNTAX].
  'share-prefix-counted': wrapEntry('filterVerdict', (next) => (c, s, shared, held) =>
    shared && s.topic.split('/').length - 1 > c.profile.mqtt.topicMaxSlashes
      ? { refuse: filterFailure(c.version, RC.TOPIC_FILTER_INVALID), problem: 'topic filter has too many slashes' }
      : next(c, s, shared, held)),
  // A $share filter whose ShareName holds + or #, or that has no topic filter, is granted [MQTT5-4.8.2-2].
  'share-name-unchecked': wrapEntry('filterVerdict', (next) => (c, s, shared, held) => {
    const rest = s.topic.startsWith('$share/') ? s.topic.slice(7) : null
    const slash = rest === null ? -1 : rest.indexOf('/')
    const name = rest === null ? null : slash === -1 ? rest : rest.slice(0, slash)
    const malformed = name !== null && (/[+#]/.test(name) || slash === -1)
    return malformed ? { grant: Math.min(s.qos, c.profile.mqtt.maximumQoS) } : next(c, s, shared, held)
  }),
  // A filter with `#` before its last level or inside a level is granted [MQTT311-4.7.1-2] [MQTT5-4.7.1-1].
  'hash-anywhere-granted': wrapEntry('filterVerdict', (next) => (c, s, shared, held) => {
    const verdict = next(c, s, shared, held)
    return verdict && 'problem' in verdict && verdict.problem === '# must be the last level, alone' ? { grant: Math.min(s.qos, c.profile.mqtt.maximumQoS) } : verdict
  }),
  // An empty topic filter is granted, and a PUBLISH with an empty topic name and no Topic Alias
  // is acknowledged and dropped; the connection stays [MQTT311-4.7.3-1] [MQTT5-4.7.3-1].
  'empty-topic-accepted': (h) => wrapEntry('filterVerdict', (next) => (c, s, shared, held) =>
    s.topic === '' ? { grant: Math.min(s.qos, c.profile.mqtt.maximumQoS) } : next(c, s, shared, held))(
    wrapInbound([PT.PUBLISH], (next) => (c, f) => {
      const packet = peekPublish(c, f)
      if (!packet || packet.topic !== '' || packet.properties?.topicAlias !== undefined) return next(c, f)
      if (packet.qos === 1) c.writeOut(encode({ cmd: 'puback', messageId: packet.messageId }, c.version))
    })(h)),
  // MQTT 3.1.1 clients cannot join shared subscriptions [SHARE-BOTH-VERSIONS].
  'shared-v5-only': wrapEntry('filterVerdict', (next) => (c, s, shared, held) => {
    const m = c.profile.mqtt
    const refused = shared && c.version !== 5 && m.sharedSubscriptionsAvailable && !topicFilterProblem(s.topic, m, m.reservedTopicsSubscribeAllowed)
    return refused ? { refuse: filterFailure(c.version, 0x9e) } : next(c, s, shared, held)
  }),
  // UNSUBSCRIBE of non-shared filters acknowledged, but aedes keeps them [MQTT5-3.10.4-2].
  'unsubscribe-ignored': wrapInbound([PT.UNSUBSCRIBE], (next) => (c, f) => {
    const packet = peekInbound(c, f)
    const topics = packet?.unsubscriptions as string[] | undefined
    if (!packet || !topics || topics.some((t) => parseShared(t))) return next(c, f)
    for (const t of topics) c.subs.forget(t)
    const ack: Record<string, unknown> = { cmd: 'unsuback', messageId: packet.messageId }
    if (c.version === 5) ack.granted = topics.map(() => RC.SUCCESS)
    c.writeOut(encode(ack, c.version))
  }),
  // SUBACKs go out with a Remaining Length padded to two bytes (0x83 0x00 for 3) [MQTT5-1.5.5-1].
  'suback-length-padded': wrapEntry('encodeSuback', (next) => (c, ack) => {
    const frame = next(c, ack)
    if (frame[1]! & 0x80) return frame
    return Buffer.concat([Buffer.from([frame[0]!, frame[1]! | 0x80, 0x00]), frame.subarray(2)])
  }),
  // MQTT 5 SUBACKs without properties leave out the Property Length (encoded as on 3.1.1) [MQTT5-2.2.2-1].
  'suback-property-length-omitted': wrapEntry('encodeSuback', (next) => (c, ack) => {
    const frame = next(c, ack)
    // Remaining Length under 128: type, length, packet id (2), Property Length at offset 4.
    if (c.version !== 5 || frame[1]! & 0x80 || frame[4] !== 0) return frame
    return Buffer.concat([Buffer.from([frame[0]!, frame[1]! - 1]), frame.subarray(2, 4), frame.subarray(5)])
  }),
  // SUBACKs go out with the fixed-header flags 0010 instead of 0000 [MQTT311-2.2.2-1].
  'suback-flags-set': wrapEntry('encodeSuback', (next) => (c, ack) => {
    const frame = Buffer.from(next(c, ack))
    frame[0] = frame[0]! | 0x02
    return frame
  }),
  // A fully granted SUBACK lists its codes in reverse filter order [MQTT5-3.9.3-1].
  'suback-codes-reversed': wrapEntry('encodeSuback', (next) => (c, ack) => {
    const granted = ack.granted as number[]
    return next(c, granted.every((code) => code < 0x80) ? { ...ack, granted: granted.slice().reverse() } : ack)
  }),
  // A failing MQTT 5 SUBACK carries a Reason String whatever the client asked [M5-REQUEST-PROBLEM-INFO].
  'problem-info-ignored': wrapEntry('encodeSuback', (next) => (c, ack) => {
    const failed = (ack.granted as number[]).some((code) => code >= 0x80)
    return next(c, failed && c.version === 5 ? { ...ack, properties: { reasonString: 'SUBACK: a topic filter was refused' } } : ack)
  }),

  // ---- QoS 2 flow, PINGREQ, DISCONNECT, connection loss ----------------------------------
  // Unsolicited PUBREC, PUBREL and PUBCOMP are dropped silently [QOS-NO-PUBREC-AUTH].
  'qos2-flow-ignored': wrapInbound([PT.PUBREC, PT.PUBREL, PT.PUBCOMP], (next) => (c, f) => {
    if (c.qos2Reaction() === 'support' || !peekInbound(c, f)) next(c, f)
  }),
  // PUBREC and PUBREL are dropped: no PUBREL or PUBCOMP follows [MQTT5-4.3.3-11].
  'qos2-release-dropped': wrapInbound([PT.PUBREC, PT.PUBREL], dropWellFormed),
  // PINGREQ gets no PINGRESP [MQTT5-3.12.4-1].
  'pingreq-unanswered': wrapInbound([PT.PINGREQ], (next) => (c, f) => {
    if (f.length !== 2 && !peekInbound(c, f)) next(c, f)
  }),
  // The DISCONNECT's Session Expiry Interval is dropped [PS-SEI-ON-DISCONNECT].
  'disconnect-expiry-ignored': wrapInbound([PT.DISCONNECT], (next) => (c, f) => {
    const packet = peekInbound(c, f)
    if (packet?.properties?.sessionExpiryInterval === undefined) return next(c, f)
    const { sessionExpiryInterval: _ignored, ...rest } = packet.properties as Record<string, unknown>
    next(c, encode({ ...packet, properties: rest }, c.version))
  }),
  // aedes never sees the DISCONNECT, so it publishes the Will [LWT-NOT-ON-DISCONNECT].
  'will-on-disconnect': wrapInbound([PT.DISCONNECT], (next) => (c, f) => {
    if (!peekInbound(c, f)) return next(c, f)
    c.sawClientDisconnect()
    c.closeNow('client-disconnect')
  }),
  // A dropped socket is treated like a DISCONNECT: no Will [LWT-ON-UNGRACEFUL].
  'will-not-on-connection-loss': wrapEntry('connectionLost', () => (c) => c.forward(encode({ cmd: 'disconnect', reasonCode: 0 }, c.version))),
  // Server DISCONNECT reason strings lack the `DISCONNECT:` prefix [M5-REASON-STRING-FORMAT].
  'reason-string-plain': wrapEntry('disconnectReasonString', (next) => (code, detail) => next(code, detail).replace(/^DISCONNECT:\s*/, '')),
  // Direct messages ignore the receiver's 100 publishes per second [DM-STATUS-429].
  'dm-receiver-rate-unlimited': wrapEntry('directQuota', (next) => (c) => next(c) || true),
  // Deliveries count against the connection's publishes per second but are never held back:
  // only what a client sends is limited [LIM-PUB-RATE-100].
  'publish-rate-inbound-only': wrapEntry('shaperOptions', (next) => (c, p) => ({ ...next(c, p), publishRate: { tryTake: () => (c.rate.forceTake(), true), waitMs: () => 0 } })),
  // What a client sends counts against its publishes per second but is never refused: only
  // deliveries are limited [LIM-PUB-RATE-100].
  'publish-rate-outbound-only': wrapEntry('publishQuota', () => (c) => (c.rate.forceTake(), true)),
  // Deliveries to a client have a window of their own, apart from the publishes it sends: 100
  // each way rather than 100 in all [LIM-PUB-RATE-100].
  'publish-rate-per-direction': wrapEntry('shaperOptions', (next) => (c, p) => ({ ...next(c, p), publishRate: new RateLimiter(c.profile.mqtt.publishesPerSecondPerConnection) })),
  // A client may leave any number of QoS 1 PUBLISHes unacknowledged; the CONNACK still advertises
  // Receive Maximum 100 and deliveries to it stay capped [QOS1-INFLIGHT-100] [LIM-INFLIGHT].
  'inflight-limit-outbound-only': wrapEntry('receiveMaximum', () => () => Number.POSITIVE_INFINITY),
  // Only what a client sends is held to 512 KiB/s; deliveries to it are not [LIM-THROUGHPUT-512KIB].
  'throughput-sent-only': wrapEntry('shaperOptions', (next) => (c, p) => ({ ...next(c, p), throughputBytesPerSecond: 0 })),
  // Only deliveries to a client are held to 512 KiB/s; what it sends is read as fast as it comes [LIM-THROUGHPUT-512KIB].
  'throughput-received-only': wrapEntry('inboundThroughput', () => () => 0),

  ...DELIVERY_FAULTS,

  // ---- malformed frames let through (wrap every other) ----------------------------------
  // SUBSCRIBE, UNSUBSCRIBE and PUBREL with wrong fixed-header flags are read as 0010 [MQTT5-3.8.1-1].
  'reserved-flags-ignored': wrapInbound([PT.SUBSCRIBE, PT.UNSUBSCRIBE, PT.PUBREL], (next) => (c, f) => {
    if ((f[0]! & 0x0f) === 0x02) return next(c, f)
    const fixed = Buffer.from(f)
    fixed[0] = (fixed[0]! & 0xf0) | 0x02
    next(c, fixed)
  }),
  // A malformed packet other than PUBLISH is dropped; the connection stays [MQTT5-3.14.1-1] [MQTT311-3.8.3-3].
  'malformed-packets-ignored': wrapInbound(NOT_PUBLISH, (next) => (c, f) => {
    if (peekInbound(c, f)) next(c, f)
  }),
  // A CONNECT with the reserved flag set is read as if it were 0 [MQTT311-3.1.2-3].
  'connect-reserved-flag-ignored': rewriteConnect((f, head) => { f[head.levelOffset + 1] = f[head.levelOffset + 1]! & 0xfe }),
  // Any 4-byte protocol name is read as MQTT [MQTT311-3.1.2-1].
  'protocol-name-unchecked': rewriteConnect((f, head) => { if (head.name.length === 4) f.write('MQTT', head.levelOffset - 4, 'latin1') }),
  // An unknown protocol level is read as 4 (3.1.1) [MQTT311-3.1.2-2].
  'unsupported-level-accepted': rewriteConnect((f, head) => { if (![3, 4, 5].includes(head.level)) f[head.levelOffset] = 4 }),
  // A PUBLISH with both QoS bits set is read as QoS 1 [MQTT5-3.3.1-4].
  'qos3-publish-downgraded': wrapInbound([PT.PUBLISH], (next) => (c, f) => {
    if ((f[0]! & 0x06) !== 0x06) return next(c, f)
    const fixed = Buffer.from(f)
    fixed[0] = fixed[0]! & ~0x04
    next(c, fixed)
  }),
}

/** The gate's handlers with the broker's faults installed, in the order of GATE_FAULTS. */
export function installGateFaults(handlers: GateHandlers, faults: Faults): GateHandlers {
  // A decorated handler may change a delivery's QoS: QoS 0 is no longer dropped before aedes writes it.
  let h: GateHandlers = { ...handlers, dropsQos0Early: false }
  for (const [fault, decorate] of Object.entries(GATE_FAULTS) as [Fault, GateDecorator][]) {
    if (faults.has(fault)) h = decorate(h)
  }
  return h
}
