import type { AwsBroker } from '../aws-broker.js'

/** How long GetConnection reports a disconnect [API-GET-CONNECTION] (`disconnectedSince` is kept 30 minutes). */
const KEEP_MS = 30 * 60 * 1000
const DISCONNECTED_PREFIX = '$aws/events/presence/disconnected/'
const CONNECTED_PREFIX = '$aws/events/presence/connected/'

export interface LastDisconnect {
  disconnectReason: string
  disconnectedSince: number
}

/** Recent disconnects by client id, for GetConnection on an offline client. */
export interface ConnectionHistory {
  lastDisconnect(clientId: string): LastDisconnect | undefined
}

/**
 * Learns disconnects from the broker's own lifecycle events
 * [LC-TOPICS-PAYLOAD], so the data plane needs no hook in the connection code.
 */
export function trackConnectionHistory(broker: AwsBroker): ConnectionHistory {
  const recent = new Map<string, LastDisconnect>()
  const prune = (now: number) => {
    for (const [id, d] of recent) {
      if (now - d.disconnectedSince <= KEEP_MS) break // insertion order = time order
      recent.delete(id)
    }
  }
  (broker.aedes as unknown as NodeJS.EventEmitter).on('publish', (packet: { topic: string; payload: Buffer }) => {
    if (packet.topic.startsWith(CONNECTED_PREFIX)) {
      recent.delete(packet.topic.slice(CONNECTED_PREFIX.length))
      return
    }
    if (!packet.topic.startsWith(DISCONNECTED_PREFIX)) return
    try {
      const event = JSON.parse(packet.payload.toString('utf8')) as { clientId?: string; disconnectReason?: string; timestamp?: number }
      if (typeof event.clientId !== 'string') return
      recent.delete(event.clientId)
      recent.set(event.clientId, { disconnectReason: String(event.disconnectReason ?? 'UNKNOWN'), disconnectedSince: Number(event.timestamp ?? Date.now()) })
      prune(Date.now())
    } catch {
      // Not one of ours (a client may publish there if a profile allows it): ignore.
    }
  })
  return {
    lastDisconnect(clientId) {
      const d = recent.get(clientId)
      return d && Date.now() - d.disconnectedSince <= KEEP_MS ? d : undefined
    },
  }
}
