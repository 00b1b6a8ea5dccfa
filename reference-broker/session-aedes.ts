import { Aedes } from 'aedes'
import { aedesBase, gateOf, isClosing, isTakingOver, startsNewSession, type AedesClient, type AedesWill } from './aedes-internals.js'

/** Set on an aedes client whose session ends with its connection, whatever aedes was told (see endSessionAtClose). */
const END_AT_CLOSE = Symbol('endAtClose')

type Marked = AedesClient & { [END_AT_CLOSE]?: true }

/**
 * aedes with the session rules AWS documents: a 3.1.1 persistent session
 * expires like an MQTT 5 one (1 hour by default) [PS-EXPIRY-DEFAULT-1H] (aedes
 * 2.0.0-beta.1 only expires MQTT 5 sessions: aedes defect 9), and the Will of
 * a session a new one replaces goes out (aedes defect 10). The method names
 * are aedes' own (aedes.js calls them on the broker).
 */
export class SessionAedes extends Aedes {
  declare clampSessionExpiry: (interval: number) => number
  onSessionGone: (clientId: string) => void = () => {}

  /**
   * The session of this connection ends when it closes, whatever Session Expiry aedes holds.
   * Marked on this connection's own aedes client, never by client id: a mark by id outlived
   * its connection and ended the next session of the id [PS-SEI-DEFAULT-ZERO]. With the
   * gate's 1 s for a Clean Start 0 CONNECT without Session Expiry, this works around aedes defect 2.
   */
  endSessionAtClose(client: AedesClient): void {
    ;(client as Marked)[END_AT_CLOSE] = true
    // Also what aedes reads when it times the Will (min of Will Delay and Session Expiry) and
    // what it holds a DISCONNECT's Session Expiry against (0 cannot be raised) [PS-SEI-ON-DISCONNECT].
    client.sessionExpiryInterval = 0
    client._connectSessionExpiryInterval = 0
  }

  scheduleSessionExpiry(client: AedesClient): void {
    if (isClosing(this) || isTakingOver(this, client.id)) return
    if ((client as Marked)[END_AT_CLOSE] === true) client.sessionExpiryInterval = 0
    // aedes arms a timer from this value and throws (outside any handler) on a non-number
    // (aedes defect 11). The gate refuses the packets that could carry one (packet-shape.ts); a
    // session without a valid interval ends with its connection rather than take the process down.
    const sei = client.sessionExpiryInterval as unknown
    if (typeof sei !== 'number' || !Number.isFinite(sei) || sei < 0) client.sessionExpiryInterval = 0
    if (client.sessionExpiryInterval === 0) this.onSessionGone(client.id)
    this.armSessionExpiry(client)
  }

  /** Has aedes keep the session for its Session Expiry Interval, whatever the protocol version (aedes defect 9). */
  armSessionExpiry(client: AedesClient): void {
    const version = client.version
    client.version = 5
    try {
      aedesBase.scheduleSessionExpiry.call(this, client)
    } finally {
      client.version = version
    }
  }

  /**
   * MQTT 5 Will Delay [MQTT-3.1.3-9]: aedes times the Will by min(Will Delay Interval, Session
   * Expiry) and cancels it when the client id connects again. A connection that starts a new
   * session (Clean Start 1) ends the old one, and a Will is due at the latest when its session
   * ends: it goes out then, not never (aedes defect 10).
   */
  private readonly delayedWill = new Map<string, { client: AedesClient; will: AedesWill }>()

  scheduleWill(client: AedesClient, will: AedesWill, delaySeconds: number): void {
    // Kept during a takeover too (aedes drops it then): the new connection decides in _finishRegisterClient.
    if (!isClosing(this)) this.delayedWill.set(client.id, { client, will })
    aedesBase.scheduleWill.call(this, client, will, delaySeconds)
  }

  /** aedes defect 1: it would publish the Will Delay Interval as a PUBLISH property. */
  publishWill(client: AedesClient, will: AedesWill): void {
    if (this.delayedWill.get(client.id)?.client === client) this.delayedWill.delete(client.id)
    let packet = will
    if (will.properties?.willDelayInterval !== undefined) {
      const { willDelayInterval: _delay, ...properties } = will.properties
      packet = { ...will, properties }
    }
    aedesBase.publishWill.call(this, client, packet)
  }

  _finishRegisterClient(client: AedesClient): void {
    const pending = this.delayedWill.get(client.id)
    this.delayedWill.delete(client.id)
    aedesBase._finishRegisterClient.call(this, client)
    if (pending && startsNewSession(client)) this.publishWill(pending.client, pending.will)
  }

  registerClient(client: AedesClient): void {
    // [PS-NO-CROSS-VERSION] The gate turned a 3.1.1 cleanSession 0 into 1 so that aedes discards the
    // other version's session; the session it starts is still persistent, as the client asked.
    const gate = gateOf(client)
    if (gate && gate.version !== 5 && !gate.cleanStart && client.clean === true) {
      client.clean = false
      client.sessionExpiryInterval = this.clampSessionExpiry(0xffffffff)
    }
    aedesBase.registerClient.call(this, client)
  }
}
