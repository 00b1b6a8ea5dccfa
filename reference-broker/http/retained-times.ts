import type { AwsBroker } from '../aws-broker.js'

/** When each retained message was last stored (epoch ms) [API-GET-RETAINED] `lastModifiedTime`. */
export interface RetainedTimes {
  get(topic: string): number | undefined
}

/**
 * Records the store time of every retained message by wrapping the
 * persistence's storeRetained (the stored packets carry no time). An empty
 * payload deletes the message [RET-EMPTY-DELETES], so its time goes too.
 */
export function trackRetainedTimes(broker: AwsBroker): RetainedTimes {
  const times = new Map<string, number>()
  const persistence = (broker.aedes as unknown as { persistence: Record<string, any> }).persistence
  const original = persistence.storeRetained.bind(persistence) as (packet: { topic: string; payload?: Buffer }, cb?: unknown) => unknown
  persistence.storeRetained = (packet: { topic: string; payload?: Buffer }, cb?: unknown) => {
    if (!packet.payload || packet.payload.length === 0) times.delete(packet.topic)
    else times.set(packet.topic, Date.now())
    return original(packet, cb)
  }
  return { get: (topic) => times.get(topic) }
}
