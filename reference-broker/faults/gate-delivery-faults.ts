import type { Fault } from '../deviations.js'
import type { GateConnection } from '../gate/connection.js'
import { FrameDecoder, PT, encode } from '../mqtt-codec.js'
import { ackOf } from '../inbound-window.js'
import { isTakeover } from '../gate/outbound/disconnect.js'
import { wrapEntry, wrapInbound, wrapOutbound, perKey, type GateDecorator } from './gate-decorators.js'

/**
 * The gate's deviations on what a client receives (faults/gate-faults.ts
 * installs them): rewritten deliveries, PUBACKs and CONNACKs, a silent takeover.
 */

/** Whether aedes' deliveries still reach this client (outbound/publish.ts drops the rest). */
const delivering = (c: GateConnection) => c.state === 'connected' || c.state === 'connecting'

/** Rewrites each PUBLISH aedes delivers to this client before the shaper sees it. */
function rewriteDelivery(rewrite: (c: GateConnection, frame: Buffer) => Buffer): GateDecorator {
  return wrapOutbound([PT.PUBLISH], (next) => (c, f) => next(c, delivering(c) ? rewrite(c, f) : f))
}

/** An MQTT 5 delivery without these properties. */
function dropProperties(keys: readonly string[]): GateDecorator {
  return rewriteDelivery((c, f) => {
    if (c.version !== 5) return f
    const packet = c.outDecoder.decode(f) as Record<string, any>
    const props: Record<string, unknown> = { ...(packet.properties ?? {}) }
    for (const k of keys) delete props[k]
    packet.properties = props
    return encode(packet, 5)
  })
}

/**
 * aedes' PUBACK rewritten on its way out (`rewrite` returns the frame itself to leave it); the
 * connection's bookkeeping still follows the PUBACK aedes wrote (outbound/acks.ts).
 */
function rewritePuback(rewrite: (c: GateConnection, frame: Buffer) => Buffer): GateDecorator {
  return wrapOutbound([PT.PUBACK], (next) => (c, f) => {
    const out = rewrite(c, f)
    if (out === f) return next(c, f)
    const { messageId } = ackOf(f)
    c.writeOut(out)
    c.inbound.closed(messageId)
  })
}

/** Topics of MQTT 5 QoS 1 publishes by packet id, per connection, for `puback-no-matching-subscribers`. */
const pubackTopics = perKey<GateConnection, Map<number, string>>(() => new Map())
/** Server-assigned topic aliases per connection, and the client's Topic Alias Maximum, for `server-topic-aliases`. */
const serverAliases = perKey<GateConnection, { max: number; byTopic: Map<string, number> }>(() => ({ max: 0, byTopic: new Map() }))

/** The Receive Maximum of the client's CONNECT and the frames held back, for `receive-maximum-holds-everything`. */
const sendQuota = perKey<GateConnection, { maximum: number; held: (() => void)[] }>(() => ({ maximum: 65535, held: [] }))
const quotaUsedUp = (c: GateConnection) => (c.shaper?.inflightCount ?? 0) >= sendQuota(c).maximum

/** The delivery `deliveries-reordered` holds back, per connection. */
const heldDelivery = new WeakMap<GateConnection, Buffer>()

/** Keeps the Topic Alias Maximum of the client's CONNECT, for the server-alias faults. */
const recordAliasMaximum = wrapEntry('connect', (next) => (c, f) => {
  try {
    const packet = new FrameDecoder(4).decode(f) as Record<string, any>
    serverAliases(c).max = Number(packet.properties?.topicAliasMaximum ?? 0)
  } catch { /* the CONNECT handler refuses it */ }
  next(c, f)
})

export const DELIVERY_FAULTS: Partial<Record<Fault, GateDecorator>> = {
  // QoS 0 messages go out at QoS 1 [QOS-LEVELS-0-1].
  'qos0-delivered-at-qos1': rewriteDelivery((c, f) => {
    if ((f[0]! & 0x06) !== 0) return f
    const packet = c.outDecoder.decode(f) as Record<string, any>
    return encode({ ...packet, qos: 1, messageId: c.host.nextMessageId(c) }, c.version)
  }),
  // QoS 1 messages go out at QoS 0 [QOS-LEVELS-0-1].
  'qos1-delivered-at-qos0': rewriteDelivery((c, f) => {
    if ((f[0]! & 0x06) !== 0x02) return f
    const packet = c.outDecoder.decode(f) as Record<string, any>
    return encode({ ...packet, qos: 0, messageId: undefined, dup: false }, c.version)
  }),
  // MQTT 5 subscribers get messages without user properties [M5-USER-PROPERTIES], content type and
  // payload format [M5-PAYLOAD-FORMAT-CONTENT-TYPE], response topic and correlation data [M5-REQUEST-RESPONSE].
  'user-properties-dropped': dropProperties(['userProperties']),
  'content-type-dropped': dropProperties(['contentType', 'payloadFormatIndicator']),
  'response-properties-dropped': dropProperties(['responseTopic', 'correlationData']),
  // Server-assigned topic aliases towards clients that accept them [ALIAS-RESOLVED-FOR-SUBSCRIBERS].
  'server-topic-aliases': (h) => rewriteDelivery((c, f) => {
    const aliases = serverAliases(c)
    if (c.version !== 5 || aliases.max === 0) return f
    const packet = c.outDecoder.decode(f) as Record<string, any>
    const props: Record<string, unknown> = { ...(packet.properties ?? {}) }
    let alias = aliases.byTopic.get(packet.topic)
    if (alias !== undefined) packet.topic = ''
    else if (aliases.byTopic.size < aliases.max) aliases.byTopic.set(packet.topic, (alias = aliases.byTopic.size + 1))
    if (alias !== undefined) props.topicAlias = alias
    packet.properties = props
    return encode(packet, 5)
  })(recordAliasMaximum(h)),
  // Server topic aliases from 0 up, the topic still sent, past the Topic Alias Maximum the client gave [MQTT5-3.1.2-26] [MQTT5-3.3.2-8].
  'server-topic-aliases-unchecked': (h) => rewriteDelivery((c, f) => {
    if (c.version !== 5 || serverAliases(c).max === 0) return f
    const aliases = serverAliases(c).byTopic
    const packet = c.outDecoder.decode(f) as Record<string, any>
    let alias = aliases.get(packet.topic)
    if (alias === undefined) aliases.set(packet.topic, (alias = aliases.size))
    packet.properties = { ...(packet.properties ?? {}), topicAlias: alias }
    return encode(packet, 5)
  })(recordAliasMaximum(h)),
  // While the client's Receive Maximum is used up, SUBACK, UNSUBACK and PINGRESP wait too [MQTT5-3.3.4-10].
  'receive-maximum-holds-everything': (h) => wrapOutbound([PT.SUBACK, PT.UNSUBACK, PT.PINGRESP], (next) => (c, f) => {
    if (c.version === 5 && quotaUsedUp(c)) sendQuota(c).held.push(() => next(c, f))
    else next(c, f)
  })(wrapInbound([PT.PUBACK], (next) => (c, f) => {
    next(c, f)
    const quota = sendQuota(c)
    while (quota.held.length > 0 && !quotaUsedUp(c)) quota.held.shift()!()
  })(wrapEntry('connect', (next) => (c, f) => {
    try {
      const packet = new FrameDecoder(4).decode(f) as Record<string, any>
      sendQuota(c).maximum = Number(packet.properties?.receiveMaximum ?? 65535)
    } catch { /* the CONNECT handler refuses it */ }
    next(c, f)
  })(h))),
  // Re-sent messages go out with DUP 0 [MQTT5-3.3.1-1].
  // Deliveries go out without Subscription Identifiers [MQTT5-3.3.4-3].
  'subscription-identifiers-dropped': dropProperties(['subscriptionIdentifier']),
  // A copy matching several subscriptions carries only the first of their identifiers, as aedes sends it [MQTT5-3.3.4-4].
  'subscription-identifier-single': rewriteDelivery((c, f) => {
    if (c.version !== 5) return f
    const packet = c.outDecoder.decode(f) as Record<string, any>
    const ids = packet.properties?.subscriptionIdentifier
    return Array.isArray(ids) ? encode({ ...packet, properties: { ...packet.properties, subscriptionIdentifier: ids[0] } }, 5) : f
  }),
  'redelivery-dup-cleared': rewriteDelivery((_c, f) => (f[0]! & 0x08 ? Buffer.concat([Buffer.from([f[0]! & ~0x08]), f.subarray(1)]) : f)),
  // The MQTT 5 CONNACK has acknowledge-flag bit 1 set [MQTT5-3.2.2-1].
  'connack-reserved-flag-set': wrapOutbound([PT.CONNACK], (next) => (c, f) => {
    if (c.version !== 5) return next(c, f)
    const withBit = (frame: Buffer) => {
      const at = frame[1]! & 0x80 ? 3 : 2
      const out = Buffer.from(frame)
      out[at] = out[at]! | 0x02
      return out
    }
    next(Object.create(c, { connected: { value: (frame: Buffer, present: boolean, assigned: string | undefined) => c.connected(withBit(frame), present, assigned) } }) as GateConnection, f)
  }),
  // User properties in reverse order: names, and the values of a repeated name [MQTT5-3.1.3-10].
  'user-properties-reordered': rewriteDelivery((c, f) => {
    if (c.version !== 5) return f
    const packet = c.outDecoder.decode(f) as Record<string, any>
    const props = packet.properties?.userProperties as Record<string, unknown> | undefined
    if (!props) return f
    packet.properties.userProperties = Object.fromEntries(Object.entries(props).reverse().map(([k, v]) => [k, Array.isArray(v) ? [...v].reverse() : v]))
    return encode(packet, 5)
  }),
  // Deliveries swapped in pairs: every other one is held back and sent after the next [MQTT5-4.6.0-5].
  'deliveries-reordered': wrapOutbound([PT.PUBLISH], (next) => (c, f) => {
    if (!delivering(c)) return next(c, f)
    const held = heldDelivery.get(c)
    if (held === undefined) return void heldDelivery.set(c, f)
    heldDelivery.delete(c)
    next(c, f)
    next(c, held)
  }),
  // An MQTT 5 QoS 1 PUBLISH nobody subscribes to gets PUBACK 0x10 [M5-PUBACK-NO-MATCHING-SUBSCRIBERS].
  'puback-no-matching-subscribers': (h) => rewritePuback((c, f) => {
    const topics = pubackTopics(c)
    if (topics.size === 0) return f
    const packet = c.outDecoder.decode(f) as Record<string, any>
    const topic = topics.get(packet.messageId)
    if (topic === undefined) return f
    topics.delete(packet.messageId)
    if (c.host.hasSubscribers?.(topic) !== false || (packet.reasonCode ?? 0) !== 0) return f
    return encode({ ...packet, reasonCode: 0x10 }, 5)
  })(wrapEntry('forwardPublish', (next) => (c, f, p, topic) => {
    if (p.qos === 1 && c.version === 5) pubackTopics(c).set(p.messageId, topic)
    next(c, f, p, topic)
  })(h)),
  // The PUBACK names the next packet id, not the PUBLISH's [MQTT5-2.2.1-5].
  'puback-wrong-packet-id': rewritePuback((c, f) => {
    const packet = c.outDecoder.decode(f) as Record<string, any>
    return encode({ ...packet, messageId: (packet.messageId % 65535) + 1 }, c.version)
  }),
  // A displaced MQTT 5 connection is closed without DISCONNECT 0x8E [CID-TAKEOVER-V5-REASON].
  'takeover-silent': wrapOutbound([PT.DISCONNECT], (next) => (c, f) => isTakeover(f) ? c.closeNow('duplicate-clientid') : next(c, f)),
  // Session Present 1 only for a resumed session that holds subscriptions (aedes' own rule) [PS-CREATE-311].
  'session-present-needs-subscriptions': wrapEntry('sessionPresent', () => (_c, aedesSaid) => aedesSaid),
  // The MQTT 5 CONNACK points the client to another server [M5-NO-SERVER-REDIRECT].
  'server-redirect': wrapEntry('connackProperties', (next) => (c, fromAedes) => ({ ...next(c, fromAedes), serverReference: 'other-broker.example:8883' })),
  // Server Keep Alive left out when it equals the request [KA-SERVER-KEEPALIVE-PROPERTY].
  'server-keepalive-omitted': wrapEntry('connackProperties', (next) => (c, fromAedes) => {
    const props = next(c, fromAedes)
    if (props.serverKeepAlive === c.requestedKeepAlive) delete props.serverKeepAlive
    return props
  }),
  // Wildcard Subscription Available 0 advertised (wildcard filters are still granted) [SUB-WILDCARD-SHARED-AVAILABLE].
  'connack-wildcard-unavailable': wrapEntry('connackProperties', (next) => (c, fromAedes) => ({ ...next(c, fromAedes), wildcardSubscriptionAvailable: false })),
}
