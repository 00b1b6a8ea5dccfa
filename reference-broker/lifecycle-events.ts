import type { Faults } from './deviations.js'
import type { Aedes } from 'aedes'
import type { WireGate } from './wire-gate.js'

/** The gate's close reason as the AWS lifecycle `disconnectReason` [LC-DISCONNECT-REASONS]. */
export function disconnectReason(closeReason: string | null): string {
  switch (closeReason) {
    case 'client-disconnect': return 'CLIENT_INITIATED_DISCONNECT'
    case 'duplicate-clientid': return 'DUPLICATE_CLIENTID'
    case 'keepalive-timeout': return 'MQTT_KEEP_ALIVE_TIMEOUT'
    case 'connection-lost': return 'CONNECTION_LOST'
    case 'server-disconnect': case 'slow-consumer': return 'SERVER_INITIATED_DISCONNECT'
    case 'api-disconnect': return 'API_INITIATED_DISCONNECT'
    case null: return 'UNKNOWN'
    default: return closeReason.startsWith('connection-error') ? 'CONNECTION_LOST' : 'CLIENT_ERROR'
  }
}

/**
 * Publishes `$aws/events/presence/{connected|disconnected}/{clientId}` with the
 * documented JSON fields [LC-TOPICS-PAYLOAD]; the connect/disconnect pair of one
 * connection shares a versionNumber that grows per client id [LC-VERSION-NUMBER].
 */
export function publishLifecycleEvent(aedes: Aedes, gate: WireGate, kind: 'connected' | 'disconnected', versionNumber: number, faults: Faults = new Set()): void {
  const clientId = gate.clientId!
  const event: Record<string, unknown> = {
    clientId,
    timestamp: Date.now(),
    eventType: kind,
    sessionIdentifier: gate.id,
    principalIdentifier: gate.info.certificateSubject ?? 'anonymous',
    versionNumber,
  }
  if (kind === 'connected') {
    event.ipAddress = gate.info.remoteAddress ?? ''
  } else {
    event.clientInitiatedDisconnect = gate.closeReason === 'client-disconnect'
    // The `lifecycle-reason-connection-lost` deviation reports every disconnect as a lost connection.
    event.disconnectReason = faults.has('lifecycle-reason-connection-lost') ? 'CONNECTION_LOST' : disconnectReason(gate.closeReason)
  }
  // The `lifecycle-payload-incomplete` deviation leaves out the session, principal and address fields.
  if (faults.has('lifecycle-payload-incomplete')) {
    delete event.sessionIdentifier
    delete event.principalIdentifier
    delete event.ipAddress
  }
  aedes.publish({ cmd: 'publish', topic: `$aws/events/presence/${kind}/${clientId}`, payload: Buffer.from(JSON.stringify(event)), qos: 0, retain: false, dup: false } as never, () => {})
}
