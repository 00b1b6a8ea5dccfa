import type { Aedes } from 'aedes'
import { publishAsBroker } from './aedes-internals.js'
import type { WireGate } from './wire-gate.js'

export type LifecycleKind = 'connected' | 'disconnected'

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
 * documented JSON fields [LC-TOPICS-PAYLOAD]. Faults (faults/lifecycle-faults.ts)
 * decorate `versionFor` and `payload`.
 */
export class LifecycleEvents {
  private readonly lastVersion = new Map<string, number>()
  private readonly versionOfGate = new WeakMap<WireGate, number>()

  constructor(private readonly aedes: Aedes) {}

  publish(gate: WireGate, kind: LifecycleKind): void {
    const event = this.payload(gate, kind, this.versionFor(gate))
    publishAsBroker(this.aedes, { topic: `$aws/events/presence/${kind}/${gate.clientId!}`, payload: Buffer.from(JSON.stringify(event)), qos: 0, retain: false })
  }

  /** The connect/disconnect pair of one connection shares a versionNumber [LC-VERSION-NUMBER]. */
  versionFor(gate: WireGate): number {
    return this.versionOfGate.get(gate) ?? this.nextVersion(gate)
  }

  /** The next versionNumber of the gate's client id: it grows per client id [LC-VERSION-NUMBER]. */
  nextVersion(gate: WireGate): number {
    const version = (this.lastVersion.get(gate.clientId!) ?? 0) + 1
    this.lastVersion.set(gate.clientId!, version)
    this.versionOfGate.set(gate, version)
    return version
  }

  /** The event's JSON fields [LC-TOPICS-PAYLOAD] [LC-DISCONNECT-REASONS]. */
  payload(gate: WireGate, kind: LifecycleKind, versionNumber: number): Record<string, unknown> {
    const event: Record<string, unknown> = {
      clientId: gate.clientId!,
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
      event.disconnectReason = disconnectReason(gate.closeReason)
    }
    return event
  }
}
