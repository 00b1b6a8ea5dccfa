import type { LifecycleEvents } from '../lifecycle-events.js'
import { wrapMethod, type FaultDecorators } from './decorate.js'

/** Faults of the lifecycle events: decorators of their numbering and payload. */
export const lifecycleFaults: FaultDecorators<LifecycleEvents, void> = {
  // Every event gets its own versionNumber, so a connection's pair differs [LC-VERSION-NUMBER].
  'lifecycle-version-per-event': (events) => wrapMethod(events, 'versionFor', () => (gate) => events.nextVersion(gate)),
  // Every disconnect is reported as a lost connection [LC-DISCONNECT-REASONS].
  'lifecycle-reason-connection-lost': (events) => wrapMethod(events, 'payload', (payload) => (gate, kind, version) => {
    const event = payload(gate, kind, version)
    if (kind === 'disconnected') event.disconnectReason = 'CONNECTION_LOST'
    return event
  }),
  // The session, principal and address fields are left out [LC-TOPICS-PAYLOAD].
  'lifecycle-payload-incomplete': (events) => wrapMethod(events, 'payload', (payload) => (gate, kind, version) => {
    const event = payload(gate, kind, version)
    delete event.sessionIdentifier
    delete event.principalIdentifier
    delete event.ipAddress
    return event
  }),
}
