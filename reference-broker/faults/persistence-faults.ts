import { Readable } from 'node:stream'
import type { AedesPublish, Persistence } from '../aedes-internals.js'
import { isEmpty } from '../retained-store.js'
import { isSentQos2 } from '../sent-qos2-expiry.js'
import { wrapMethod, type FaultDecorators } from './decorate.js'

/** What the persistence faults need besides the persistence. */
export interface PersistenceFaultContext {
  /** Topics holding a retained message (retained-store.ts). */
  readonly retained: ReadonlySet<string>
  /** Whether a client id has a live connection. */
  isConnected(clientId: string): boolean
}

/** A stored write skipped on purpose, answered as if done. */
const skipped = (cb?: (err?: Error | null) => void): unknown => (cb ? cb(null) : Promise.resolve())

const withoutExpiry = (packet: AedesPublish): AedesPublish => {
  const { messageExpiry: _dropped, ...rest } = packet
  return rest
}

/** Faults of aedes' persistence: wrappers of its calls, installed after the broker's own rules. */
export const persistenceFaults: FaultDecorators<Persistence, PersistenceFaultContext> = {
  // Messages are queued without their absolute expiry, so aedes neither drops expired ones nor
  // lowers the interval (the shaper keeps it too) [MEI-REMAINING].
  'expiry-not-decremented': (p) => wrapMethod(p, 'outgoingEnqueueCombi', (enqueue) => (subs, packet, cb) => enqueue(subs, withoutExpiry(packet), cb)),
  // No message is kept for a persistent session while it is offline [PS-STORE-QOS1] (aedes-faults.ts
  // also forgets the unacknowledged ones when the connection ends).
  'offline-queue-off': (p, { isConnected }) => wrapMethod(p, 'outgoingEnqueueCombi', (enqueue) => (subs, packet, cb) => enqueue(subs.filter((sub) => isConnected(sub.clientId)), packet, cb)),
  // A sent QoS 2 message whose expiry ran out (sent-qos2-expiry.ts gives it interval 0) is dropped on
  // resume and its packet id released, as aedes does [MQTT5-4.3.3-7].
  'sent-qos2-expires': (p) => wrapMethod(p, 'outgoingStream', (stream) => (client) => Readable.from((async function* () {
    for await (const packet of stream(client)) {
      if (isSentQos2(packet) && packet.properties?.messageExpiryInterval === 0) await p.outgoingClearMessageId(client, packet)
      else yield packet
    }
  })())),
  // Retained messages go out at QoS 0 on subscribe [RET-QOS-0-1].
  'retained-delivered-qos0': (p) => wrapMethod(p, 'createRetainedStreamCombi', (stream) => (patterns) => Readable.from((async function* () {
    for await (const packet of stream(patterns) as AsyncIterable<AedesPublish>) yield { ...packet, qos: 0 }
  })())),
  // An empty retained publish leaves the retained message [RET-EMPTY-DELETES].
  'empty-retained-kept': (p) => wrapMethod(p, 'storeRetained', (store) => (packet, cb) => (isEmpty(packet) ? skipped(cb) : store(packet, cb))),
  // A topic keeps its first retained message [RET-ONE-PER-TOPIC].
  'retained-not-replaced': (p, { retained }) => wrapMethod(p, 'storeRetained', (store) => (packet, cb) => (!isEmpty(packet) && retained.has(packet.topic) ? skipped(cb) : store(packet, cb))),
  // Retained messages are stored without their expiry [RET-MEI-EXPIRY].
  'retained-never-expires': (p) => wrapMethod(p, 'storeRetained', (store) => (packet, cb) => store(isEmpty(packet) ? packet : withoutExpiry(packet), cb)),
}
