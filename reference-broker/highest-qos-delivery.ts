import type { AedesClient, AedesPublish, AedesSubscription, Deliver } from './aedes-internals.js'
import { matches } from './topic-rules.js'

/**
 * A message matching several of one client's subscriptions goes out once, at the highest QoS
 * they grant [MQTT-3.3.5-1] [PERSISTED-QOS-IS-MIN]. aedes 2.0.0-beta.1 sends the copy of whichever
 * subscription it calls first, dropping the others as duplicates (aedes defect 6), so a QoS 0
 * filter next to a QoS 1 one could deliver a QoS 1 message at QoS 0 and clear its stored copy:
 * lost when the connection dropped. Its QoS 1 path also lowers the QoS to that of a filter equal
 * to the topic, if there is one. Found by the model-based session test.
 */
export function deliverAtHighestQos(client: AedesClient, hashMatchesParent: boolean): void {
  const highest = (packet: AedesPublish): number => {
    let qos = 0
    for (const [filter, sub] of Object.entries(client.subscriptions)) {
      // A No Local subscription does not deliver the client's own messages.
      if ((sub.qos ?? 0) > qos && !(sub.nl && packet.clientId === client.id) && matches(filter, packet.topic, hashMatchesParent)) qos = sub.qos ?? 0
    }
    return qos
  }
  const deliver0 = client.deliver0
  const deliverQoS = client.deliverQoS
  client.deliver0 = ((packet, cb) => {
    // The QoS 1 subscription's delivery sends it.
    if (packet.qos > 0 && highest(packet) > 0) return setImmediate(cb)
    deliver0(packet, cb)
  }) as Deliver
  client.deliverQoS = ((packet, cb) => {
    const subs = client.subscriptions
    const exact = subs[packet.topic]
    // (A retained message sent on SUBSCRIBE, brokerId null, is for that one subscription: left alone.)
    const best = packet.qos > 0 && packet.brokerId !== null && exact !== undefined && (exact.qos ?? 0) < packet.qos ? highest(packet) : 0
    if (best <= (exact?.qos ?? 0)) return deliverQoS(packet, cb)
    // aedes reads the exact filter's QoS in its next turn (setImmediate): show it the highest for that turn.
    const raised: AedesSubscription = Object.assign(Object.create(Object.getPrototypeOf(exact)) as object, exact, { qos: best })
    subs[packet.topic] = raised
    deliverQoS(packet, cb)
    setImmediate(() => { if (subs[packet.topic] === raised) subs[packet.topic] = exact! })
  }) as Deliver
}
