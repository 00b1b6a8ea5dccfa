import { Readable } from 'node:stream'
import type { AedesPublish, Persistence } from './aedes-internals.js'
import { isExactFilter } from './topic-rules.js'

/**
 * Retained messages reach a subscriber only through a filter equal to their
 * topic [RET-EXACT-MATCH]; wildcard filters get later messages but not the
 * retained one. `exactMatchOnly: false` (the profile) keeps standard MQTT matching.
 */
export function exactMatchRetained(persistence: Persistence, exactMatchOnly: boolean): void {
  if (!exactMatchOnly) return
  const stream = persistence.createRetainedStreamCombi.bind(persistence)
  persistence.createRetainedStreamCombi = (patterns) => {
    const exact = patterns.filter(isExactFilter)
    return exact.length > 0 ? stream(exact) : Readable.from([])
  }
}

/**
 * The topics holding a retained message (for the account limit
 * [RET-COUNT-LIMIT-THROTTLE]), kept by wrapping the persistence's storeRetained;
 * an empty payload deletes [RET-EMPTY-DELETES].
 */
export function trackRetained(persistence: Persistence): ReadonlySet<string> {
  const topics = new Set<string>()
  const store = persistence.storeRetained.bind(persistence)
  persistence.storeRetained = (packet: AedesPublish, cb) => {
    if (isEmpty(packet)) topics.delete(packet.topic)
    else topics.add(packet.topic)
    return store(packet, cb)
  }
  return topics
}

/** A retained publish with an empty payload: it deletes its topic's retained message [RET-EMPTY-DELETES]. */
export function isEmpty(packet: AedesPublish): boolean {
  return !packet.payload || packet.payload.length === 0
}
