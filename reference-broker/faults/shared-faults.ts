import type { Group, SharedMessage, SharedSubscriptions } from '../shared-subscriptions.js'
import { wrapMethod, type FaultDecorators } from './decorate.js'

/** A packet aedes hands every matching group's handler: marked once one group took it. */
type Marked = { _sharedDelivered?: boolean }

/** Faults of shared subscriptions: decorators of the registry's rule methods. */
export const sharedFaults: FaultDecorators<SharedSubscriptions, void> = {
  // A clean-session member stays in its groups after it disconnects and is a member again when its
  // id reconnects [SHARE-MEMBERSHIP-LIFECYCLE].
  'shared-clean-member-kept': (shared) => {
    shared.keepsOfflineMember = () => true
    wrapMethod(shared, 'leaveOldSession', () => (gate) => shared.attach(gate))
  },
  // A message matching several groups reaches only the first [SHARE-MULTI-GROUP-COPIES].
  'shared-single-group': (shared) => wrapMethod(shared, 'routeMatched', (route) => (group, packet) => {
    const seen = packet as Marked
    if (seen._sharedDelivered) return
    seen._sharedDelivered = true
    route(group, packet)
  }),
  // Every online member gets every message [SHARE-ONE-PER-GROUP].
  'shared-fanout': (shared) => wrapMethod(shared, 'recipients', () => (online) => online),
  // A member gets messages at their own QoS, not the one it subscribed with [MQTT5-4.8.2-3].
  'shared-member-qos-ignored': (shared) => wrapMethod(shared, 'deliveryQos', () => (_member, message) => message.qos),
  // QoS 0 messages are queued like QoS 1 [SHARE-QOS0-DROP].
  'shared-qos0-queued': (shared) => wrapMethod(shared, 'isQueued', () => () => true),
  // The QoS 1 messages sent to a member go to another member of its group when its session ends [MQTT5-4.8.2-5].
  'shared-rerouted-at-session-end': (shared) => {
    const sent = new Map<string, { group: Group; message: SharedMessage }[]>()
    let routing: Group | null = null
    wrapMethod(shared, 'routeMatched', (route) => (group, packet) => {
      routing = group
      try { route(group, packet) } finally { routing = null }
    })
    wrapMethod(shared, 'deliveryQos', (qos) => (member, message) => {
      if (routing && message.qos > 0) sent.set(member.clientId, [...(sent.get(member.clientId) ?? []), { group: routing, message }])
      return qos(member, message)
    })
    wrapMethod(shared, 'endSession', (end) => (clientId) => {
      end(clientId)
      const mine = sent.get(clientId) ?? []
      sent.delete(clientId)
      for (const { group, message } of mine) if (group.members.size > 0) shared.routeMatched(group, message)
    })
  },
  // Queued messages are released at 20 per second for the whole group, however many members are online [SHARE-QUEUE].
  'shared-queue-rate-per-group': (shared) => wrapMethod(shared, 'releaseInterval', (interval) => () => interval(1)),
  // Queued messages keep their original Message Expiry Interval and outlive it [SHARE-QUEUE-MEI].
  'shared-queue-expiry-ignored': (shared) => wrapMethod(shared, 'withRemainingExpiry', () => (item, now) => shared.withinRetention(item, now)),
}
