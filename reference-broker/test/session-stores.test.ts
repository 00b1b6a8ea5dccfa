/**
 * The broker's wrappers around aedes-persistence's in-memory store, each on a real
 * store (no broker, no socket): the QoS 2 packet ids a session holds go with it
 * (incoming-ids.ts, aedes defect 8), a stored message sent on an earlier connection
 * is re-sent with DUP 1 (resend-dup.ts) and, when QoS 2, past its expiry with what
 * was left of it [MQTT5-4.3.3-7] [MEI-ZERO-ROUNDING] (sent-qos2-expiry.ts), and the
 * retained store's exact-match rule [RET-EXACT-MATCH] and topic count
 * [RET-COUNT-LIMIT-THROTTLE] [RET-EMPTY-DELETES] (retained-store.ts).
 * Written for the mutation test of the session and expiry code (docs/mutation.md).
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { memoryPersistence, type AedesPublish, type Persistence } from '../aedes-internals.js'
import { clearIncomingWithSession } from '../incoming-ids.js'
import { markResends } from '../resend-dup.js'
import { isSentQos2, keepSentQos2 } from '../sent-qos2-expiry.js'
import { exactMatchRetained, isEmpty, trackRetained } from '../retained-store.js'

/** The aedes-persistence calls these tests read back with (not part of the broker's Persistence). */
type Store = Persistence & {
  incomingGetPacket(client: { id: string }, packet: { messageId: number }): Promise<unknown>
  addSubscriptions(client: { id: string }, subs: { topic: string; qos: number }[]): Promise<unknown>
  subscriptionsByClient(client: { id: string }): Promise<unknown[] | null>
}

async function store(): Promise<Store> {
  const p = memoryPersistence() as Store
  await (p as unknown as { setup(b: unknown): Promise<void> }).setup({ id: 'broker-1', counter: 0 })
  return p
}

const A = { id: 'client-a' }
const B = { id: 'client-b' }
const has = (p: Store, client: { id: string }, messageId: number): Promise<boolean> =>
  p.incomingGetPacket(client, { messageId }).then(() => true, () => false)

function publish(fields: Partial<AedesPublish> & Record<string, unknown>): AedesPublish {
  return { cmd: 'publish', topic: 't/1', payload: Buffer.from('x'), qos: 1, retain: false, dup: false, brokerId: 'broker-1', brokerCounter: 1, ...fields } as AedesPublish
}

async function streamed(p: Persistence, client: { id: string }): Promise<AedesPublish[]> {
  const out: AedesPublish[] = []
  for await (const packet of p.outgoingStream(client)) out.push(packet)
  return out
}

/** Queues a message for `client` and, with `messageId`, marks it sent (aedes' outgoingUpdate before the write). */
async function queued(p: Persistence, client: { id: string }, packet: AedesPublish, messageId?: number): Promise<void> {
  await p.outgoingEnqueueCombi([{ clientId: client.id }], packet)
  if (messageId !== undefined) await p.outgoingUpdate(client, { ...packet, messageId } as AedesPublish)
}

describe('incoming QoS 2 ids end with their session (incoming-ids.ts, aedes defect 8)', () => {
  it('drops the ids a session holds when its subscriptions are cleaned, and only that client\'s', async () => {
    const p = await store()
    clearIncomingWithSession(p)
    await p.incomingStorePacket(A, { messageId: 5 })
    await p.incomingStorePacket(A, { messageId: 6 })
    await p.incomingStorePacket(B, { messageId: 5 })
    expect(await has(p, A, 5)).toBe(true)
    await p.cleanSubscriptions(A)
    expect(await has(p, A, 5)).toBe(false)
    expect(await has(p, A, 6)).toBe(false)
    expect(await has(p, B, 5)).toBe(true)
  })

  it('still cleans the subscriptions, and a session with no open id is cleaned too', async () => {
    const p = await store()
    clearIncomingWithSession(p)
    await p.addSubscriptions(A, [{ topic: 'a/b', qos: 1 }])
    expect(await p.subscriptionsByClient(A)).toHaveLength(1)
    await p.cleanSubscriptions(A)
    expect(await p.subscriptionsByClient(A)).toEqual([])
  })

  it('a completed exchange (PUBREL) deletes its id, and cleaning later does not fail on it', async () => {
    const p = await store()
    clearIncomingWithSession(p)
    await p.incomingStorePacket(A, { messageId: 9 })
    await p.incomingDelPacket(A, { messageId: 9 })
    expect(await has(p, A, 9)).toBe(false)
    await expect(p.cleanSubscriptions(A)).resolves.not.toThrow()
    // The id is free for the next session: stored and cleaned again.
    await p.incomingStorePacket(A, { messageId: 9 })
    expect(await has(p, A, 9)).toBe(true)
    await p.cleanSubscriptions(A)
    expect(await has(p, A, 9)).toBe(false)
  })

  it('one exchange completing leaves the session\'s other open ids to be dropped with it', async () => {
    const p = await store()
    clearIncomingWithSession(p)
    await p.incomingStorePacket(A, { messageId: 1 })
    await p.incomingStorePacket(A, { messageId: 2 })
    await p.incomingDelPacket(A, { messageId: 1 })
    expect(await has(p, A, 2)).toBe(true)
    await p.cleanSubscriptions(A)
    expect(await has(p, A, 2)).toBe(false)
  })

  it('a PUBREL for an id the client never stored is refused as the store refuses it (a rejection, not a throw)', async () => {
    const p = await store()
    clearIncomingWithSession(p)
    let call: Promise<void> | undefined
    expect(() => { call = p.incomingDelPacket(B, { messageId: 99 }) }).not.toThrow()
    await expect(call).rejects.toThrow('no such packet')
  })

  it('an id deleted behind the wrapper (already gone from the store) does not stop the clean-up', async () => {
    const p = await store()
    const rawDel = p.incomingDelPacket.bind(p)
    clearIncomingWithSession(p)
    await p.addSubscriptions(A, [{ topic: 'a/b', qos: 1 }])
    await p.incomingStorePacket(A, { messageId: 3 })
    await p.incomingStorePacket(A, { messageId: 4 })
    await rawDel(A, { messageId: 3 })
    await p.cleanSubscriptions(A)
    expect(await has(p, A, 4)).toBe(false)
    expect(await p.subscriptionsByClient(A)).toEqual([])
  })
})

describe('re-sent messages carry DUP 1 (resend-dup.ts, aedes defect 15)', () => {
  it('a message sent on an earlier connection (it has a packet id) goes out with DUP 1; one never sent keeps DUP 0', async () => {
    const p = await store()
    markResends(p)
    await queued(p, A, publish({ brokerCounter: 1, topic: 'sent' }), 7)
    await queued(p, A, publish({ brokerCounter: 2, topic: 'queued' }))
    const out = await streamed(p, A)
    expect(out.map((m) => [m.topic, m.dup])).toEqual([['sent', true], ['queued', false]])
  })

  it('a PUBREL waiting for its PUBCOMP is re-sent as it is (DUP is a PUBLISH flag)', async () => {
    const p = await store()
    markResends(p)
    await queued(p, A, publish({ qos: 2 }), 8)
    await p.outgoingUpdate(A, { cmd: 'pubrel', messageId: 8, brokerId: 'elsewhere' } as unknown as AedesPublish)
    const [pubrel] = await streamed(p, A)
    expect(pubrel!.cmd).toBe('pubrel')
    expect(pubrel!.dup).toBeUndefined()
  })
})

describe('a sent QoS 2 message outlives its Message Expiry (sent-qos2-expiry.ts) [MQTT5-4.3.3-7]', () => {
  const NOW = 1_700_000_000_000
  afterEach(() => { vi.useRealTimers() })

  it('isSentQos2: a QoS 2 PUBLISH with a packet id, nothing else', () => {
    expect(isSentQos2(publish({ qos: 2, messageId: 1 }))).toBe(true)
    expect(isSentQos2(publish({ qos: 2, messageId: 0 }))).toBe(true)
    expect(isSentQos2(publish({ qos: 2 }))).toBe(false)
    expect(isSentQos2(publish({ qos: 1, messageId: 1 }))).toBe(false)
    expect(isSentQos2({ ...publish({ qos: 2, messageId: 1 }), cmd: 'pubrel' } as unknown as AedesPublish)).toBe(false)
  })

  it('leaves the stream without its absolute expiry, with the whole seconds left as its interval [MEI-ZERO-ROUNDING]', async () => {
    vi.useFakeTimers({ now: NOW, toFake: ['Date'] })
    const p = await store()
    keepSentQos2(p)
    const props = { userProperties: { k: 'v' }, messageExpiryInterval: 60 }
    await queued(p, A, publish({ qos: 2, brokerCounter: 1, topic: 'expired', messageExpiry: NOW - 5_000, properties: props }), 1)
    await queued(p, A, publish({ qos: 2, brokerCounter: 2, topic: 'just-under', messageExpiry: NOW + 10_999, properties: props }), 2)
    await queued(p, A, publish({ qos: 2, brokerCounter: 3, topic: 'exact', messageExpiry: NOW + 11_000, properties: props }), 3)
    const out = await streamed(p, A)
    expect(out.map((m) => [m.topic, m.messageExpiry, m.properties?.messageExpiryInterval])).toEqual([
      ['expired', undefined, 0], ['just-under', undefined, 10], ['exact', undefined, 11],
    ])
    expect(out.every((m) => 'messageExpiry' in m)).toBe(false)
    for (const m of out) expect(m.properties?.userProperties).toEqual({ k: 'v' })
    expect(out.map((m) => [m.messageId, m.qos])).toEqual([[1, 2], [2, 2], [3, 2]])
  })

  it('a QoS 2 message never sent, a sent QoS 1 message and one without expiry keep what aedes stored', async () => {
    vi.useFakeTimers({ now: NOW, toFake: ['Date'] })
    const p = await store()
    keepSentQos2(p)
    await queued(p, A, publish({ qos: 2, brokerCounter: 1, topic: 'unsent', messageExpiry: NOW + 9_000 }))
    await queued(p, A, publish({ qos: 1, brokerCounter: 2, topic: 'qos1', messageExpiry: NOW + 9_000 }), 4)
    await queued(p, A, publish({ qos: 2, brokerCounter: 3, topic: 'no-expiry' }), 5)
    const out = await streamed(p, A)
    expect(out.map((m) => [m.topic, m.messageExpiry, m.properties?.messageExpiryInterval])).toEqual([
      ['unsent', NOW + 9_000, undefined], ['qos1', NOW + 9_000, undefined], ['no-expiry', undefined, undefined],
    ])
  })
})

describe('retained store (retained-store.ts)', () => {
  const retained = (topic: string, payload = 'r'): AedesPublish => publish({ topic, payload: Buffer.from(payload), retain: true, qos: 0 })
  const topicsOf = async (p: Persistence, patterns: string[]): Promise<string[]> => {
    const out: string[] = []
    for await (const m of p.createRetainedStreamCombi(patterns)) out.push((m as AedesPublish).topic)
    return out.sort()
  }

  it('[RET-EXACT-MATCH] only a filter equal to the topic gets the retained message; a wildcard alone gets none', async () => {
    const p = await store()
    exactMatchRetained(p, true)
    await p.storeRetained(retained('a/b'))
    await p.storeRetained(retained('a/c'))
    expect(await topicsOf(p, ['a/#'])).toEqual([])
    expect(await topicsOf(p, ['a/+'])).toEqual([])
    expect(await topicsOf(p, ['a/b', 'a/#'])).toEqual(['a/b'])
    expect(await topicsOf(p, ['a/c'])).toEqual(['a/c'])
  })

  it('exactMatchOnly false keeps standard MQTT matching', async () => {
    const p = await store()
    exactMatchRetained(p, false)
    await p.storeRetained(retained('a/b'))
    await p.storeRetained(retained('a/c'))
    expect(await topicsOf(p, ['a/#'])).toEqual(['a/b', 'a/c'])
  })

  it('[RET-COUNT-LIMIT-THROTTLE] counts the topics holding a message; an empty payload deletes [RET-EMPTY-DELETES]', async () => {
    const p = await store()
    const topics = trackRetained(p)
    await p.storeRetained(retained('x/1'))
    await p.storeRetained(retained('x/2'))
    await p.storeRetained(retained('x/1', 'again'))
    expect([...topics].sort()).toEqual(['x/1', 'x/2'])
    await p.storeRetained(retained('x/1', ''))
    expect([...topics]).toEqual(['x/2'])
    // The store itself was told: the deleted topic is gone, the other is kept.
    expect(await topicsOf(p, ['x/1', 'x/2'])).toEqual(['x/2'])
  })

  it('isEmpty: no payload or a zero-length one', () => {
    expect(isEmpty({ ...retained('t'), payload: undefined } as unknown as AedesPublish)).toBe(true)
    expect(isEmpty(retained('t', ''))).toBe(true)
    expect(isEmpty(retained('t', '0'))).toBe(false)
  })
})
