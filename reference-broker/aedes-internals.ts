import { createRequire } from 'node:module'
import type { Duplex, Readable } from 'node:stream'
import { Aedes } from 'aedes'
import type { WireGate } from './wire-gate.js'

/**
 * The typed view of the aedes 2.0.0-beta.1 and aedes-persistence internals the
 * reference broker relies on: its undeclared client fields, broker methods and
 * persistence calls. Every other module reaches aedes' privates through the
 * named functions here, so an aedes upgrade is checked against this one file.
 * The defects of aedes worked around with them are listed in docs/aedes-defects.md.
 */

/** A PUBLISH as aedes and its persistence pass it around. */
export interface AedesPublish {
  cmd: 'publish'
  topic: string
  payload: Buffer
  qos: number
  retain: boolean
  dup: boolean
  messageId?: number
  properties?: Record<string, unknown>
  /** Set on messages from the broker's mqemitter; null on a retained message sent on SUBSCRIBE. */
  brokerId?: unknown
  /** The publishing client's id. */
  clientId?: string
  /** Absolute expiry (ms since the epoch) aedes stores with a message that has a Message Expiry Interval. */
  messageExpiry?: number
}

/** One of a client's subscriptions, by filter. */
export interface AedesSubscription {
  qos?: number
  /** MQTT 5 No Local. */
  nl?: boolean
  /** MQTT 5 Subscription Identifier of the subscription, if it has one. */
  si?: number
  /** The mqemitter handler aedes subscribed for it. */
  func?: unknown
}

/** How aedes hands a packet to one client's connection. */
export type Deliver = (packet: AedesPublish, cb: () => void) => void

/** A Will as aedes keeps it. */
export interface AedesWill {
  topic: string
  payload: Buffer
  qos: number
  retain: boolean
  properties?: Record<string, unknown>
}

/** The fields of an aedes client the broker reads or sets. */
export interface AedesClient {
  readonly id: string
  version: number
  /** Whether the session ends with the connection (aedes' reading of Clean Session / Clean Start). */
  clean: boolean
  /** The CONNECT's Clean Start / Clean Session flag, as aedes saw it. */
  _cleanStart?: boolean
  sessionExpiryInterval: number
  /** The Session Expiry Interval of the CONNECT before aedes clamps it. */
  _connectSessionExpiryInterval?: number
  will: AedesWill | null
  /** The CONNECT's Will, as sent. */
  _will: unknown
  subscriptions: Record<string, AedesSubscription>
  deliver0: Deliver
  deliverQoS: Deliver
  /** aedes' next outgoing packet identifier. */
  _nextId: number
  connackSent: boolean
  conn?: Duplex & { gate?: WireGate }
  publish(packet: AedesPublish, cb: () => void): void
}

type Callback = (err?: Error | null) => void
type Stored = { id: string }

/** The aedes-persistence calls the broker wraps or makes itself. */
export interface Persistence {
  incomingStorePacket(client: Stored, packet: { messageId: number }): Promise<void>
  incomingDelPacket(client: Stored, packet: { messageId: number }): Promise<void>
  cleanSubscriptions(client: Stored): Promise<unknown>
  outgoingEnqueueCombi(subs: { clientId: string }[], packet: AedesPublish, cb?: Callback): unknown
  outgoingUpdate(client: Stored, packet: AedesPublish, cb?: Callback): unknown
  outgoingStream(client: Stored): AsyncIterable<AedesPublish>
  outgoingClearMessageId(client: Stored, packet: AedesPublish): Promise<unknown>
  createRetainedStream(pattern: string): AsyncIterable<AedesPublish>
  createRetainedStreamCombi(patterns: string[]): Readable
  storeRetained(packet: AedesPublish, cb?: Callback): unknown
  delWill(client: { id: string; brokerId: string }): Promise<unknown>
}

/** The authorization hooks aedes calls (plain properties of the broker). */
export interface AedesHooks {
  authenticate(client: AedesClient | null, username: unknown, password: unknown, done: (err: Error | null, ok: boolean) => void): void
  authorizePublish(client: AedesClient | null, packet: AedesPublish, done: Callback): void
  authorizeSubscribe(client: AedesClient | null, sub: { topic: string; qos: number }, done: (err: Error | null, sub?: unknown) => void): void
  authorizeForward(client: AedesClient, packet: AedesPublish): AedesPublish | null | undefined
}

/** The broker methods a subclass overrides and calls back into (aedes.js). */
export interface AedesMethods {
  scheduleSessionExpiry(client: AedesClient): void
  scheduleWill(client: AedesClient, will: AedesWill, delaySeconds: number): void
  publishWill(client: AedesClient, will: AedesWill): void
  registerClient(client: AedesClient): void
  _finishRegisterClient(client: AedesClient): void
}

interface AedesState {
  closed: boolean
  _takingOver: Set<string>
  clients: Record<string, AedesClient | undefined>
  persistence: Persistence
  mq: { _matcher: { match(topic: string): unknown[] } }
  clearSessionExpiry(clientId: string): void
}

const state = (aedes: Aedes): AedesState => aedes as unknown as AedesState

/** aedes' own implementations, for a subclass to call after its rule. */
export const aedesBase = Aedes.prototype as unknown as AedesMethods

/** aedes-persistence's in-memory store (CommonJS, its typing does not match its module.exports). */
export const memoryPersistence = createRequire(import.meta.url)('aedes-persistence') as () => Persistence

/** The client aedes holds for a client id (connected, or being taken over). */
export function clientOf(aedes: Aedes, clientId: string): AedesClient | undefined {
  return state(aedes).clients[clientId]
}

/** The client whose subscription to `filter` is delivered by `deliver` (the mqemitter handler aedes subscribed). */
export function subscriberOf(aedes: Aedes, filter: string, deliver: unknown): AedesClient | undefined {
  return Object.values(state(aedes).clients).find((c) => c?.subscriptions[filter]?.func === deliver)
}

/** The persistence aedes was built with (with the broker's wrappers). */
export function persistenceOf(aedes: Aedes): Persistence {
  return state(aedes).persistence
}

/** aedes is closing: it arms no more timers. */
export function isClosing(aedes: Aedes): boolean {
  return state(aedes).closed
}

/** A connection is taking over this client id (aedes keeps the old session for the new one). */
export function isTakingOver(aedes: Aedes, clientId: string): boolean {
  return state(aedes)._takingOver.has(clientId)
}

/** Cancels a stored session's expiry timer. */
export function clearSessionExpiry(aedes: Aedes, clientId: string): void {
  state(aedes).clearSessionExpiry(clientId)
}

/** Whether any mqemitter subscription (clients' and shared groups') matches a topic. */
export function hasMatchingSubscription(aedes: Aedes, topic: string): boolean {
  return state(aedes).mq._matcher.match(topic).length > 0
}

/** The authorization hooks, to read and replace. */
export function hooksOf(aedes: Aedes): AedesHooks {
  return aedes as unknown as AedesHooks
}

/** Hands aedes one connection's stream (the gate's aedes side); the gate rides along on it. */
export function handleConnection(aedes: Aedes, stream: Duplex, gate: WireGate): AedesClient {
  ;(stream as Duplex & { gate?: WireGate }).gate = gate
  return aedes.handle(stream, undefined) as unknown as AedesClient
}

/** The gate in front of an aedes client's connection. */
export function gateOf(client: { conn?: { gate?: WireGate } } | null | undefined): WireGate | undefined {
  return client?.conn?.gate
}

/** An aedes client as the typed view (aedes' own events type it as its declared Client). */
export function asClient(client: unknown): AedesClient {
  return client as AedesClient
}

/** Whether this connection starts a new session rather than resuming one (Clean Start / clean session). */
export function startsNewSession(client: AedesClient): boolean {
  return client.version === 5 ? client._cleanStart === true : client.clean !== false
}

/** Forgets a client's Will: aedes will not publish it. */
export function dropWill(client: AedesClient): void {
  client.will = client._will = null
}

/** Removes one of a client's subscriptions from aedes and from the client. */
export function removeSubscription(aedes: Aedes, client: AedesClient, filter: string): void {
  const sub = client.subscriptions[filter]
  if (sub) aedes.unsubscribe(filter, sub.func as never, () => {})
  delete client.subscriptions[filter]
}

/** Publishes a message through aedes as the broker (no client). */
export function publishAsBroker(aedes: Aedes, packet: Omit<AedesPublish, 'cmd' | 'dup'> & { dup?: boolean }, cb: (err?: Error | null) => void = () => {}): void {
  aedes.publish({ cmd: 'publish', dup: false, ...packet } as never, cb)
}

/** Removes the QoS 1 messages sent to a client and not yet acknowledged from its stored session. */
export async function forgetInflight(persistence: Persistence, clientId: string): Promise<void> {
  const client = { id: clientId }
  for await (const packet of persistence.outgoingStream(client)) {
    if (packet.messageId !== undefined) await persistence.outgoingClearMessageId(client, packet)
  }
}

/**
 * Ends a stored session in aedes: expiry timer, subscriptions, Will and
 * queued messages (DeleteConnection with cleanSession=true) [API-DELETE-CONNECTION].
 */
export async function deleteStoredSession(aedes: Aedes, clientId: string): Promise<void> {
  clearSessionExpiry(aedes, clientId)
  const persistence = persistenceOf(aedes)
  const client = { id: clientId }
  await persistence.cleanSubscriptions(client)
  await persistence.delWill({ id: clientId, brokerId: aedes.id })
  for await (const packet of persistence.outgoingStream(client)) await persistence.outgoingClearMessageId(client, packet)
}
