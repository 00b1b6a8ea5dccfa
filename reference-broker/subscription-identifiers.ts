import { Readable } from 'node:stream'
import type { AedesClient, AedesPublish, Deliver, Persistence } from './aedes-internals.js'
import { matches } from './topic-rules.js'

/**
 * The properties objects of shared-subscription copies (shared-subscriptions.ts): each already
 * carries its member's identifier, a copy of its own [MQTT5-3.3.4-5]. aedes copies a packet's
 * properties by reference, so the mark follows the message into the client's stored queue.
 */
const ownCopies = new WeakSet<object>()

/** Properties of a copy sent for one subscription alone, carrying that subscription's identifier (if any). */
export function ownCopyProperties(properties: Record<string, unknown> | undefined, identifier: number | undefined): Record<string, unknown> {
  const { subscriptionIdentifier: _other, ...rest } = properties ?? {}
  const own = identifier === undefined ? rest : { ...rest, subscriptionIdentifier: identifier }
  ownCopies.add(own)
  return own
}

/**
 * The properties objects of stored copies aedes queues one per matching filter (it queues a
 * persistent session's message once for each of its filters that match), by that filter.
 */
const copyFilters = new WeakMap<object, string>()

/** The Subscription Identifiers of a client's subscriptions that deliver this message (No Local ones do not deliver its own). */
function identifiersFor(client: AedesClient, packet: AedesPublish, hashMatchesParent: boolean): number[] {
  const ids: number[] = []
  for (const [filter, sub] of Object.entries(client.subscriptions)) {
    if (sub.si === undefined || (sub.nl && packet.clientId === client.id)) continue
    if (matches(filter, packet.topic, hashMatchesParent)) ids.push(sub.si)
  }
  return ids
}

/** The message as this client gets it: one copy carrying the identifiers of all its matching subscriptions. */
function stamped(client: AedesClient, packet: AedesPublish, hashMatchesParent: boolean): AedesPublish {
  if (packet.properties !== undefined && ownCopies.has(packet.properties)) return packet
  const filter = packet.properties === undefined || packet.messageId !== undefined ? undefined : copyFilters.get(packet.properties)
  // One of several stored copies, never sent: its own filter's identifier [MQTT5-3.3.4-5]. (A copy
  // that went out live, as the single one, is re-sent as it went: with all of them.)
  const own = filter === undefined ? undefined : client.subscriptions[filter]?.si
  const ids = filter === undefined ? identifiersFor(client, packet, hashMatchesParent) : own === undefined ? [] : [own]
  const had = packet.properties?.subscriptionIdentifier
  if (ids.length === 0 && had === undefined) return packet
  const { subscriptionIdentifier: _one, ...rest } = packet.properties ?? {}
  const properties = ids.length === 0 ? rest : { ...rest, subscriptionIdentifier: ids.length === 1 ? ids[0] : ids }
  return Object.assign(Object.create(Object.getPrototypeOf(packet) as object) as AedesPublish, packet, { properties })
}

/**
 * A message matching several of a client's subscriptions goes out as one copy (highest-qos-delivery.ts),
 * and that copy carries the Subscription Identifiers of all of them [MQTT5-3.3.4-3] [MQTT5-3.3.4-4]:
 * aedes puts only the identifier of the subscription it called first (aedes defect 6). A
 * shared-subscription copy keeps its own [MQTT5-3.3.4-5]; a retained message sent on SUBSCRIBE
 * (brokerId null) is for that subscription alone and keeps what aedes gave it.
 */
export function deliverWithIdentifiers(client: AedesClient, hashMatchesParent: boolean): void {
  for (const name of ['deliver0', 'deliverQoS'] as const) {
    const deliver = client[name]
    client[name] = ((packet, cb) => deliver(packet.brokerId === null ? packet : stamped(client, packet, hashMatchesParent), cb)) as Deliver
  }
}

/**
 * A resumed session's stored messages (queued while it was offline, or sent and unacknowledged)
 * carry the identifiers of the subscriptions it has (restored with the session): aedes stores them
 * without any [MQTT5-3.3.4-3] [MQTT5-3.3.4-4].
 */
export function storedWithIdentifiers(persistence: Persistence, hashMatchesParent: boolean): void {
  const enqueue = persistence.outgoingEnqueueCombi.bind(persistence)
  persistence.outgoingEnqueueCombi = (subs, packet, cb) => {
    const perClient = new Map<string, number>()
    for (const sub of subs) perClient.set(sub.clientId, (perClient.get(sub.clientId) ?? 0) + 1)
    if (subs.every((sub) => perClient.get(sub.clientId) === 1)) return enqueue(subs, packet, cb)
    // A session queued several copies: each remembers the filter it is for.
    const calls = subs.map((sub) => {
      if (perClient.get(sub.clientId) === 1) return enqueue([sub], packet)
      const properties = { ...packet.properties }
      copyFilters.set(properties, (sub as { topic?: string }).topic ?? '')
      return enqueue([sub], { ...packet, properties })
    })
    const done = Promise.all(calls).then(() => undefined)
    if (cb) done.then(() => cb(null), cb)
    return done
  }
  const original = persistence.outgoingStream.bind(persistence)
  persistence.outgoingStream = (client) => Readable.from((async function* () {
    for await (const packet of original(client)) {
      const subscriptions = (client as Partial<AedesClient>).subscriptions
      yield packet.cmd === 'publish' && subscriptions !== undefined ? stamped(client as AedesClient, packet, hashMatchesParent) : packet
    }
  })())
}
