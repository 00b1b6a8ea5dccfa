import type { AedesOptions } from 'aedes'
import { clientOf, dropWill, forgetInflight, persistenceOf, removeSubscription, subscriberOf, type AedesClient, type AedesPublish, type AedesWill } from '../aedes-internals.js'
import type { SessionAedes } from '../session-aedes.js'
import { wrapMethod, type FaultDecorators } from './decorate.js'

/** Faults of aedes' session handling: decorators of SessionAedes' methods. */
export const aedesFaults: FaultDecorators<SessionAedes, void> = {
  // Persistent sessions never expire [PS-EXPIRED-NEW-SESSION]; a session ending at close still ends.
  'session-never-expires': (aedes) => wrapMethod(aedes, 'armSessionExpiry', (arm) => (client) => {
    if (client.sessionExpiryInterval === 0) arm(client)
  }),
  // A persistent session also loses the messages in flight to it when its connection ends
  // [PS-STORE-QOS1] (persistence-faults.ts keeps new ones from being queued).
  'offline-queue-off': (aedes) => wrapMethod(aedes, 'armSessionExpiry', (arm) => (client) => {
    if (client.sessionExpiryInterval !== 0) void forgetInflight(persistenceOf(aedes), client.id)
    arm(client)
  }),
  // A delayed Will is published when its client id connects again to the session, instead of
  // being cancelled [MQTT5-3.1.3-9].
  'will-delay-not-cancelled': (aedes) => {
    const pending = new Map<string, { client: AedesClient; will: AedesWill }>()
    const sent = new WeakSet<AedesClient>()
    wrapMethod(aedes, 'scheduleWill', (schedule) => (client, will, delay) => {
      pending.set(client.id, { client, will })
      schedule(client, will, delay)
    })
    wrapMethod(aedes, 'publishWill', (publish) => (client, will) => {
      sent.add(client)
      publish(client, will)
    })
    wrapMethod(aedes, '_finishRegisterClient', (finish) => (client) => {
      const due = pending.get(client.id)
      pending.delete(client.id)
      finish(client)
      if (due && !sent.has(due.client)) aedes.publishWill(due.client, due.will)
    })
  },
  // Messages on `$` topics also reach filters that start with a wildcard (`#`, `+/...`): a second
  // handler delivers what aedes' own one holds back [MQTT311-4.7.2-1] [MQTT5-4.7.2-1].
  'dollar-topics-to-wildcards': (aedes) => wrapMethod(aedes, 'subscribe', (subscribe) => (filter, deliver, done) => {
    subscribe(filter, deliver, done)
    const client = filter.startsWith('#') || filter.startsWith('+') ? subscriberOf(aedes, filter, deliver) : undefined
    const sub = client?.subscriptions[filter]
    if (!client || !sub) return
    subscribe(filter, (packet, cb) => {
      if (!packet.topic.startsWith('$') || client.subscriptions[filter] !== sub) return cb()
      ;((sub.qos ?? 0) > 0 ? client.deliverQoS : client.deliver0)(packet as unknown as AedesPublish, cb)
    }, () => {})
  }),
  // The Session Expiry Interval is counted from the CONNECT: a session whose interval passes
  // while its connection is open loses its subscriptions and the messages in flight to it
  // [MQTT311-4.1.0-2] [MQTT5-4.1.0-1].
  'session-expiry-while-connected': (aedes) => wrapMethod(aedes, '_finishRegisterClient', (finish) => (client) => {
    finish(client)
    const seconds = client.sessionExpiryInterval
    // (An interval over an hour is never reached by a scenario; setTimeout holds at most 2^31 ms.)
    if (!(seconds > 0) || seconds > 3600) return
    setTimeout(() => {
      if (clientOf(aedes, client.id) !== client) return
      for (const filter of Object.keys(client.subscriptions)) removeSubscription(aedes, client, filter)
      void forgetInflight(persistenceOf(aedes), client.id)
    }, seconds * 1000).unref()
  }),
  // The Will of a connection displaced by a takeover is dropped [LWT-ON-TAKEOVER].
  'will-not-on-takeover': (aedes) => wrapMethod(aedes, 'registerClient', (register) => (client) => {
    const displaced = clientOf(aedes, client.id)
    if (displaced) dropWill(displaced)
    register(client)
  }),
}

/** Faults in the options aedes is built with. */
export const aedesOptionFaults: FaultDecorators<AedesOptions, void> = {
  // aedes accepts one alias more than CONNACK advertises; the gate lets it through [ALIAS-OUT-OF-RANGE-0x94].
  'alias-limit-9': (options) => { options.topicAliasMaximum = (options.topicAliasMaximum ?? 0) + 1 },
}
