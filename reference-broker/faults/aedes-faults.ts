import type { AedesOptions } from 'aedes'
import { clientOf, dropWill, forgetInflight, persistenceOf } from '../aedes-internals.js'
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
