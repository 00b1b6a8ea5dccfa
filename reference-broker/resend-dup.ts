import { Readable } from 'node:stream'
import type { Persistence } from './aedes-internals.js'

/**
 * aedes re-sends a resumed session's unacknowledged QoS 1 and 2 messages with DUP 0 (aedes
 * defect 15, docs/aedes-defects.md). A stored message that already has a packet id was sent on
 * an earlier connection, so it goes out again with DUP 1; one queued while the session was
 * offline has none yet and keeps DUP 0 [MQTT311-3.3.1-1] [MQTT5-3.3.1-1].
 */
export function markResends(persistence: Persistence): void {
  const original = persistence.outgoingStream.bind(persistence)
  persistence.outgoingStream = (client) => Readable.from((async function* () {
    // (A PUBREL waiting for its PUBCOMP is re-sent as it is: DUP is a PUBLISH flag.)
    for await (const packet of original(client)) yield packet.messageId && packet.cmd === 'publish' ? { ...packet, dup: true } : packet
  })())
}
