import { isUtf8 } from 'node:buffer'
import type { Duplex } from 'node:stream'
import { principalOfGate } from '../policy/install-mqtt-policy.js'
import { gatewayTimeout, invalidRequest, notFound, throttled } from './api-error.js'
import { authorizeOrThrow } from './authorize-caller.js'
import { awaitPuback } from './await-puback.js'
import { parseMqtt5Headers, type Mqtt5Properties } from './mqtt5-headers.js'
import { matches } from '../topic-rules.js'
import { checkClientId, checkResponseTopic, checkTopic } from './name-rules.js'
import { sendEmpty, sendOk } from './respond.js'
import { defineRoute, type RequestContext } from './route-table.js'

/** Sockets with writes held until the end of this event-loop turn. */
const corked = new WeakSet<Duplex>()

/**
 * Under load several direct messages reach one receiver in the same event-loop
 * turn; holding the socket's writes until the turn ends sends them in one
 * syscall instead of one each (the bench shows syscalls dominate the DM path).
 */
function batchWrites(socket: Duplex): void {
  if (corked.has(socket)) return
  corked.add(socket)
  socket.cork()
  setImmediate(() => {
    corked.delete(socket)
    socket.uncork()
  })
}

interface DirectMessageInput {
  clientId: string
  topic: string
  confirmation: boolean
  timeoutSeconds: number
  properties: Mqtt5Properties
}

/** The receiver's own subscriptions (filter → QoS), for the deliberate deviations that consult them. */
function subscriptionsOf(ctx: RequestContext, clientId: string): Record<string, { qos: number }> {
  const clients = (ctx.deps.broker.aedes as unknown as { clients: Record<string, { subscriptions?: Record<string, { qos: number }> }> }).clients
  return clients[clientId]?.subscriptions ?? {}
}

function matchingSubscription(ctx: RequestContext, clientId: string, topic: string): { qos: number } | undefined {
  const subs = subscriptionsOf(ctx, clientId)
  const filter = Object.keys(subs).find((f) => matches(f, topic, ctx.deps.profile.mqtt.hashMatchesParent))
  return filter === undefined ? undefined : subs[filter]
}

function parse(ctx: RequestContext): DirectMessageInput {
  const { profile, broker } = ctx.deps
  // The 'dm-validation-off' deviation (deviations.ts) skips the client id, topic and response
  // topic checks, breaking [DM-CLIENTID-VALIDATION] [DM-TOPIC-VALIDATION] [DM-RESPONSE-TOPIC-NO-WILDCARD] on purpose.
  const lax = broker.faults.has('dm-validation-off')
  const clientId = lax ? ctx.params.clientId! : checkClientId(ctx.params.clientId!, broker.faults)
  // [DM-TOPIC-VALIDATION] no `$` topic at all: reserved topics are not for direct messages.
  const topic = lax ? ctx.query.string('topic') ?? 'unchecked' : checkTopic(ctx.query.string('topic'), profile, [])
  // [DM-CONFIRM-FALSE-QOS0] default false; the 'dm-confirmation-default-true' deviation breaks it on purpose.
  const confirmation = ctx.query.bool('confirmation', broker.faults.has('dm-confirmation-default-true'))
  const dm = profile.http.directMessage
  // [DM-TIMEOUT-RANGE] 1..15, default 5; only used (and so only checked) with confirmation.
  const timeoutSeconds = confirmation ? ctx.query.int('timeout', dm.timeoutMinSeconds, dm.timeoutMaxSeconds, dm.timeoutDefaultSeconds) : dm.timeoutDefaultSeconds
  const { properties } = parseMqtt5Headers(ctx.req, profile.mqtt.userPropertiesMaxBytes)
  const contentType = ctx.query.string('contentType')
  if (contentType) properties.contentType = contentType
  const responseTopic = lax ? ctx.query.string('responseTopic') : checkResponseTopic(ctx.query.string('responseTopic'), profile) // [DM-RESPONSE-TOPIC-NO-WILDCARD]
  if (responseTopic) properties.responseTopic = responseTopic
  Object.assign(ctx.logFields, { clientId, topic, confirmation })
  return { clientId, topic, confirmation, timeoutSeconds, properties }
}

async function handle(ctx: RequestContext, input: DirectMessageInput): Promise<void> {
  const { broker, directMessageRate } = ctx.deps
  const { clientId, topic, confirmation } = input
  // [DM-STATUS-429] the account's SendDirectMessage rate.
  if (!directMessageRate.tryTake()) throw throttled('account-rate-exceeded', 'Rate exceeded: too many SendDirectMessage requests per second')
  // [DM-STATUS-403] [DM-TOPIC-CONDITION] the sender needs iot:SendDirectMessage on the client ARN, topic as iot:Topic.
  // The 'dm-policy-off' deviation skips the sender and receiver checks, breaking [DM-STATUS-403] on purpose;
  // 'dm-topic-condition-ignored' leaves iot:Topic out of the context, breaking [DM-TOPIC-CONDITION] on purpose.
  const policyOff = broker.faults.has('dm-policy-off')
  if (!policyOff) authorizeOrThrow(ctx, 'iot:SendDirectMessage', `client/${clientId}`, broker.faults.has('dm-topic-condition-ignored') ? {} : { topic }, { reason: 'sender-not-authorized' })
  // The 'dm-404-for-connected' deviation (deviations.ts) breaks [DM-API-PATH] on purpose; 'dm-mqtt5-receivers-only'
  // treats 3.1.1 receivers as not connected, breaking [DM-BOTH-PROTOCOLS] on purpose.
  const connected = broker.faults.has('dm-404-for-connected') ? undefined : broker.connection(clientId)
  const gate = connected && connected.version !== 5 && broker.faults.has('dm-mqtt5-receivers-only') ? undefined : connected
  if (!gate) {
    // [DM-STATUS-404] [DM-404-PERSISTENT-SESSION] [DM-NO-QUEUE] never queued for later.
    if (broker.hasPersistentSession(clientId)) {
      // The 'dm-queued-for-offline' deviation hands the message to the session's queue, breaking [DM-NO-QUEUE] on purpose.
      if (broker.faults.has('dm-queued-for-offline')) broker.aedes.publish({ cmd: 'publish', topic, payload: ctx.body, qos: 1, retain: false, dup: false } as never, () => {})
      // The 'dm-404-without-session-hint' deviation answers the plain 404, breaking [DM-404-PERSISTENT-SESSION] on purpose.
      if (!broker.faults.has('dm-404-without-session-hint')) {
        throw notFound('client-offline-persistent-session', 'The target client ID is not connected, but it has an active persistent session')
      }
    }
    // The 'dm-200-for-unknown-client' deviation answers as if dispatched, breaking [DM-STATUS-404] on purpose.
    if (broker.faults.has('dm-200-for-unknown-client') && !broker.hasPersistentSession(clientId)) return sendOk(ctx, 'dispatched')
    throw notFound('client-not-connected', 'The target client ID is not connected')
  }
  // [DM-RECEIVER-NEEDS-ONLY-RECEIVE] the receiver needs iot:Receive on the topic, not iot:Subscribe.
  if (!policyOff) {
    authorizeOrThrow(ctx, 'iot:Receive', `topic/${topic}`, { topic, clientId }, {
      principal: principalOfGate(gate),
      reason: 'receiver-not-authorized',
      message: `The target client ${clientId} is not authorized to receive messages on topic ${topic}`,
    })
  }
  // The 'dm-receiver-needs-subscribe' deviation also demands iot:Subscribe, breaking [DM-RECEIVER-NEEDS-ONLY-RECEIVE] on purpose.
  if (broker.faults.has('dm-receiver-needs-subscribe')) {
    authorizeOrThrow(ctx, 'iot:Subscribe', `topicfilter/${topic}`, { topic, clientId }, { principal: principalOfGate(gate), reason: 'receiver-not-authorized' })
  }
  // The 'dm-needs-subscription' deviation drops the message (still 200) for a receiver that holds
  // subscriptions but none matching the topic, breaking [DM-NO-SUBSCRIPTION-REQUIRED] on purpose.
  if (broker.faults.has('dm-needs-subscription') && Object.keys(subscriptionsOf(ctx, clientId)).length > 0 && !matchingSubscription(ctx, clientId, topic)) {
    return sendOk(ctx, 'dispatched')
  }
  if (input.properties.payloadFormatIndicator && !isUtf8(ctx.body)) {
    throw invalidRequest('payload-not-utf8', 'The payload is not UTF-8 but x-amz-mqtt5-payload-format-indicator is UTF8_DATA')
  }
  // [DM-NO-SUBSCRIPTION-REQUIRED] [DM-NO-FANOUT] [DM-NO-RETAIN] [DM-QOS-FROM-API]: one PUBLISH on the
  // client's own connection, RETAIN 0, QoS from `confirmation`; MQTT 5 properties are
  // dropped for 3.1.1 receivers by the gate [DM-MQTT311-PROPS-DROPPED].
  // The 'dm-properties-dropped-for-v5' deviation forwards no MQTT 5 property, breaking [DM-MQTT5-PROPERTIES-FORWARDED] on purpose.
  const hasProperties = Object.keys(input.properties).length > 0 && !broker.faults.has('dm-properties-dropped-for-v5')
  // The 'dm-qos-from-subscription' deviation takes the QoS of a matching subscription, breaking [DM-QOS-FROM-API] on purpose.
  const subscribed = broker.faults.has('dm-qos-from-subscription') ? matchingSubscription(ctx, clientId, topic) : undefined
  const qos = subscribed ? (Math.min(subscribed.qos, 1) as 0 | 1) : confirmation ? 1 : 0
  batchWrites(gate.socket)
  const sent = gate.sendDirect({ topic, payload: ctx.body, qos, properties: hasProperties ? { ...input.properties } : undefined })
  if (!sent) {
    if (gate.state !== 'connected') throw notFound('client-not-connected', 'The target client ID is not connected')
    // [DM-STATUS-429] [LIM-PUB-RATE-100] the receiver's connection has spent its publishes this second.
    throw throttled('receiver-publish-rate-exceeded', `The connection of client ${clientId} exceeded its outbound publish rate`)
  }
  if (sent.messageId !== undefined) ctx.logFields.messageId = sent.messageId
  // The 'dm-fanout-to-subscribers' deviation also publishes to every subscriber of the topic, breaking
  // [DM-NO-FANOUT] and [DM-ALREADY-SUBSCRIBED-SINGLE-COPY] on purpose; 'dm-retained' keeps it as the
  // topic's retained message, breaking [DM-NO-RETAIN] on purpose.
  if (broker.faults.has('dm-fanout-to-subscribers')) broker.aedes.publish({ cmd: 'publish', topic, payload: ctx.body, qos: 0, retain: false, dup: false } as never, () => {})
  if (broker.faults.has('dm-retained')) await (broker.aedes as unknown as { persistence: { storeRetained(p: unknown): Promise<void> } }).persistence.storeRetained({ cmd: 'publish', topic, payload: ctx.body, qos: 0, retain: true, dup: false })
  // [DM-CONFIRM-FALSE-QOS0] [DM-STATUS-200-MEANING] dispatched. The 'dm-200-before-puback'
  // deviation answers a confirmed message the same way, breaking [DM-CONFIRM-TRUE-QOS1] on purpose.
  // The 'dm-200-empty-body' deviation answers 200 without the JSON body, breaking [DM-RESPONSE-BODY] on purpose.
  const ok = (reason: string) => (broker.faults.has('dm-200-empty-body') ? sendEmpty(ctx, reason) : sendOk(ctx, reason))
  if (!confirmation || broker.faults.has('dm-200-before-puback')) return ok('dispatched')
  const outcome = await awaitPuback(gate, sent, input.timeoutSeconds * 1000, ctx.res)
  switch (outcome) {
    case 'acked': return ok('acknowledged') // [DM-CONFIRM-TRUE-QOS1]
    case 'timeout': throw gatewayTimeout('puback-timeout', `The target client did not acknowledge the message within ${input.timeoutSeconds} seconds`) // [DM-STATUS-504]
    case 'receiver-disconnected': throw gatewayTimeout('receiver-disconnected', 'The target client disconnected before acknowledging the message')
    case 'caller-gone': ctx.outcome = { status: 0, reason: 'caller-gone' }
  }
}

/** `POST /connections/{clientId}/messages` [DM-API-PATH]. */
export const sendDirectMessageRoute = defineRoute<DirectMessageInput>({
  method: 'POST',
  path: 'connections/:clientId/messages',
  api: 'SendDirectMessage',
  hasBody: true,
  parse,
  handle,
})
