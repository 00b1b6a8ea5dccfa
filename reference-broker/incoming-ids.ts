import type { Persistence } from './aedes-internals.js'

/**
 * aedes defect 8 (docs/aedes-defects.md): aedes keeps the packet ids of QoS 2
 * PUBLISHes awaiting PUBREL per client id and never drops them when the session
 * ends, so a later session reusing such an id got PUBREC and PUBCOMP but its
 * message was taken for a duplicate and not delivered [MQTT-4.3.3]. aedes cleans
 * a session's subscriptions exactly when the session ends or a new one starts
 * (clean start, Session Expiry 0 at close, expiry, DeleteConnection): the ids
 * are dropped with them.
 */
export function clearIncomingWithSession(persistence: Persistence): void {
  const ids = new Map<string, Set<number>>()
  const store = persistence.incomingStorePacket.bind(persistence)
  const del = persistence.incomingDelPacket.bind(persistence)
  const clean = persistence.cleanSubscriptions.bind(persistence)
  persistence.incomingStorePacket = (client, packet) => {
    let set = ids.get(client.id)
    if (!set) ids.set(client.id, (set = new Set()))
    set.add(packet.messageId)
    return store(client, packet)
  }
  persistence.incomingDelPacket = (client, packet) => {
    const set = ids.get(client.id)
    set?.delete(packet.messageId)
    if (set?.size === 0) ids.delete(client.id)
    return del(client, packet)
  }
  persistence.cleanSubscriptions = async (client) => {
    const set = ids.get(client.id)
    ids.delete(client.id)
    for (const messageId of set ?? []) await del(client, { messageId }).catch(() => {})
    return clean(client)
  }
}
