import type { Socket } from 'node:net'
import type { WireGate } from '../wire-gate.js'
import { invalidRequest, notFound } from './api-error.js'
import { authorizeOrThrow } from './authorize-caller.js'
import { checkClientId } from './name-rules.js'
import { sendEmpty, sendOk } from './respond.js'
import { defineRoute, type RequestContext, type Route } from './route-table.js'
import type { LastDisconnect } from './connection-history.js'

/** A subscription of an offline persistent session, as persistence stores it. */
export interface StoredSubscription {
  topic: string
  qos: number
}

/**
 * The connection APIs' rules. The normal instance, `awsConnections`, is AWS IoT
 * Core's documented behaviour; the deliberate deviations
 * (reference-broker/faults/data-plane-faults.ts) replace or wrap single rules.
 */
export interface ConnectionRules {
  /** [API-GET-CONNECTION] what GetConnection says about how and when an offline client disconnected. */
  disconnectDetails(last: LastDisconnect | undefined): Partial<LastDisconnect>
  /** [API-LIST-SUBSCRIPTIONS] [PS-LISTED-OFFLINE] the subscriptions an offline persistent session keeps. */
  offlineSubscriptions(ctx: RequestContext, clientId: string): Promise<StoredSubscription[] | null>
  /** [API-DELETE-CONNECTION] [LWT-DELETECONNECTION-CONTROL] `preventWillMessage=true` drops the Will; default false. */
  preventWill(ctx: RequestContext): boolean
}

/** AWS IoT Core's connection APIs. */
export const awsConnections: ConnectionRules = {
  disconnectDetails: (last) => last ?? {},
  offlineSubscriptions: async (ctx, clientId) => (await persistence(ctx).subscriptionsByClient!({ id: clientId })) as StoredSubscription[] | null,
  preventWill: (ctx) => ctx.query.bool('preventWillMessage', false),
}

type AedesClientView = { sessionExpiryInterval?: number; subscriptions?: Record<string, { qos: number }>; will?: unknown; _will?: unknown }

function aedesClient(ctx: RequestContext, clientId: string): AedesClientView | undefined {
  return (ctx.deps.broker.aedes as unknown as { clients: Record<string, AedesClientView> }).clients[clientId]
}

function persistence(ctx: RequestContext): Record<string, (...args: any[]) => Promise<any>> {
  return (ctx.deps.broker.aedes as unknown as { persistence: Record<string, (...args: any[]) => Promise<any>> }).persistence
}

function clientIdOf(ctx: RequestContext): string {
  const clientId = checkClientId(ctx.params.clientId!)
  ctx.logFields.clientId = clientId
  return clientId
}

function notKnown(clientId: string): never {
  throw notFound('client-unknown', `Client ${clientId} is neither connected nor has a persistent session`)
}

/** Session Expiry as AWS reports it: the MQTT 5 interval, or the 3.1.1 persistent-session expiry [PS-EXPIRY-DEFAULT-1H]. */
function sessionExpiry(ctx: RequestContext, gate: WireGate): number {
  if (gate.version === 5) return aedesClient(ctx, gate.clientId!)?.sessionExpiryInterval ?? 0
  return gate.cleanStart ? 0 : ctx.deps.profile.sessions.expirySeconds
}

/** `GET /connections/{clientId}` [API-GET-CONNECTION]: what the broker knows about the client, with the given rules (default AWS's). */
export const getConnectionRoute = (rules: ConnectionRules = awsConnections): Route<unknown> => defineRoute<{ clientId: string; socketInfo: boolean }>({
  method: 'GET',
  path: 'connections/:clientId',
  api: 'GetConnection',
  hasBody: false,
  parse: (ctx) => ({ clientId: clientIdOf(ctx), socketInfo: ctx.query.bool('includeSocketInformation', false) }),
  handle(ctx, { clientId, socketInfo }) {
    authorizeOrThrow(ctx, 'iot:GetConnection', `client/${clientId}`, { clientId })
    const { broker, history } = ctx.deps
    const gate = broker.connection(clientId)
    if (gate) {
      const body: Record<string, unknown> = {
        connected: true,
        clientId,
        connectedSince: gate.connectedAt,
        cleanSession: gate.cleanStart,
        keepAliveDuration: gate.keepAlive,
        sessionExpiry: sessionExpiry(ctx, gate),
      }
      const socket = gate.socket as Partial<Socket>
      if (socketInfo && typeof socket.remotePort === 'number') {
        Object.assign(body, { sourceIp: socket.remoteAddress, sourcePort: socket.remotePort, targetIp: socket.localAddress, targetPort: socket.localPort })
      }
      return sendOk(ctx, 'connected', body)
    }
    const last = history.lastDisconnect(clientId)
    const persistent = broker.hasPersistentSession(clientId)
    if (!last && !persistent) notKnown(clientId)
    const disconnect = rules.disconnectDetails(last) // [API-GET-CONNECTION] disconnectReason, disconnectedSince
    sendOk(ctx, 'disconnected', { connected: false, clientId, cleanSession: !persistent, ...disconnect })
  },
})

const DEFAULT_PAGE = 20 // [API-LIST-SUBSCRIPTIONS] default page size

/** `GET /connections/{clientId}/subscriptions` [API-LIST-SUBSCRIPTIONS], offline persistent sessions included, with the given rules (default AWS's). */
export const listSubscriptionsRoute = (rules: ConnectionRules = awsConnections): Route<unknown> => defineRoute<{ clientId: string; maxResults: number; offset: number }>({
  method: 'GET',
  path: 'connections/:clientId/subscriptions',
  api: 'ListSubscriptions',
  hasBody: false,
  parse(ctx) {
    const token = ctx.query.string('nextToken')
    const offset = token === undefined ? 0 : /^[1-9][0-9]{0,8}$/.test(token) ? Number(token) : NaN
    if (Number.isNaN(offset)) throw invalidRequest('invalid-next-token', 'nextToken is not valid')
    return { clientId: clientIdOf(ctx), maxResults: ctx.query.int('maxResults', 1, 1000, DEFAULT_PAGE), offset }
  },
  async handle(ctx, { clientId, maxResults, offset }) {
    authorizeOrThrow(ctx, 'iot:ListSubscriptions', `client/${clientId}`, { clientId })
    const { broker } = ctx.deps
    let subs: { topicFilter: string; qos: number }[]
    if (broker.connection(clientId)) {
      subs = Object.entries(aedesClient(ctx, clientId)?.subscriptions ?? {}).map(([topicFilter, s]) => ({ topicFilter, qos: s.qos }))
    } else if (broker.hasPersistentSession(clientId)) {
      const stored = await rules.offlineSubscriptions(ctx, clientId) // [PS-LISTED-OFFLINE]
      subs = (stored ?? []).map((s) => ({ topicFilter: s.topic, qos: s.qos }))
    } else notKnown(clientId)
    subs.sort((a, b) => (a.topicFilter < b.topicFilter ? -1 : a.topicFilter > b.topicFilter ? 1 : 0))
    const page = subs.slice(offset, offset + maxResults)
    const body: Record<string, unknown> = { subscriptions: page }
    if (offset + maxResults < subs.length) body.nextToken = String(offset + maxResults)
    sendOk(ctx, 'listed', body)
  },
})

/** Resolves when the connection's socket has closed (bounded, so a stuck peer cannot hold the request). */
function closed(gate: WireGate, ms: number): Promise<void> {
  if (gate.socket.destroyed) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    gate.socket.once('close', () => { clearTimeout(timer); resolve() })
  })
}

/**
 * `DELETE /connections/{clientId}?cleanSession=&preventWillMessage=`
 * [API-DELETE-CONNECTION]: DISCONNECT (0x98 on MQTT 5) and close; the Will is
 * published unless prevented; cleanSession=true also ends the session.
 * 200 with no body. With the given rules (default AWS's).
 */
export const deleteConnectionRoute = (rules: ConnectionRules = awsConnections): Route<unknown> => defineRoute<{ clientId: string; cleanSession: boolean; preventWill: boolean }>({
  method: 'DELETE',
  path: 'connections/:clientId',
  api: 'DeleteConnection',
  hasBody: false,
  parse: (ctx) => {
    const preventWill = rules.preventWill(ctx)
    return { clientId: clientIdOf(ctx), cleanSession: ctx.query.bool('cleanSession', false), preventWill }
  },
  async handle(ctx, { clientId, cleanSession, preventWill }) {
    authorizeOrThrow(ctx, 'iot:DeleteConnection', `client/${clientId}`, { clientId })
    const { broker } = ctx.deps
    const gate = broker.connection(clientId)
    if (gate) {
      if (preventWill) {
        const client = aedesClient(ctx, clientId)
        if (client) client.will = client._will = null
        await persistence(ctx).delWill!({ id: clientId, brokerId: (broker.aedes as unknown as { id: string }).id })
      }
      if (cleanSession) broker.endSessionNow(gate)
      gate.disconnectByApi()
      await closed(gate, 3000)
    } else if (broker.hasPersistentSession(clientId)) {
      if (cleanSession) await broker.deleteOfflineSession(clientId)
    } else notKnown(clientId)
    Object.assign(ctx.logFields, { cleanSession, preventWillMessage: preventWill })
    sendEmpty(ctx, 'disconnected')
  },
})
