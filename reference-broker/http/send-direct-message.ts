import { isUtf8 } from 'node:buffer'
import type http from 'node:http'
import type { DirectMessage, DirectSend } from '../direct-delivery.js'
import type { AuthorizationContext } from '../policy/create-authorizer.js'
import { principalOfGate } from '../policy/install-mqtt-policy.js'
import type { Profile } from '../profile.js'
import type { WireGate } from '../wire-gate.js'
import { gatewayTimeout, invalidRequest, notFound, throttled } from './api-error.js'
import { authorizeOrThrow } from './authorize-caller.js'
import { awaitPuback, type PubackOutcome } from './await-puback.js'
import { AWS_MEASURES } from '../measures.js'
import { checkContentType, parseMqtt5Headers, type Mqtt5Properties, type PropertyMeasures } from './mqtt5-headers.js'
import { checkClientId, checkResponseTopic, checkTopic } from './name-rules.js'
import { sendOk } from './respond.js'
import { defineRoute, type RequestContext, type Route } from './route-table.js'

/**
 * SendDirectMessage's rules, one per step of the algorithm below. The normal
 * instance, `awsDirectMessage`, is AWS IoT Core's documented behaviour; the
 * deliberate deviations (reference-broker/faults/data-plane-faults.ts) replace
 * or wrap single rules.
 */
export interface DirectMessageRules {
  /** [M5-USER-PROPERTIES] [M5-PAYLOAD-FORMAT-CONTENT-TYPE] how `x-amz-mqtt5-user-properties` and `contentType` count against the MQTT quotas. */
  propertySizes: PropertyMeasures
  /** [DM-CLIENTID-VALIDATION] the receiver's client id from the (decoded) path. */
  clientId(raw: string): string
  /** [DM-TOPIC-VALIDATION] the topic: required, a valid topic name, no `$` topic at all. */
  topic(raw: string | undefined, profile: Profile): string
  /** [DM-RESPONSE-TOPIC-NO-WILDCARD] the optional response topic. */
  responseTopic(raw: string | undefined, profile: Profile): string | undefined
  /** [DM-CONFIRM-FALSE-QOS0] `confirmation` when the request leaves it out. */
  confirmationDefault: boolean
  /** [DM-STATUS-403] [DM-TOPIC-CONDITION] the sender needs iot:SendDirectMessage on the receiver's client ARN. */
  authorizeSender(ctx: RequestContext, clientId: string, context: AuthorizationContext): void
  /** [DM-API-PATH] [DM-BOTH-PROTOCOLS] the receiver's live connection, MQTT 3.1.1 or 5. */
  receiver(ctx: RequestContext, clientId: string): WireGate | undefined
  /** [DM-STATUS-404] [DM-404-PERSISTENT-SESSION] [DM-NO-QUEUE] the answer when the receiver is not connected. */
  notConnected(ctx: RequestContext, clientId: string, topic: string): void
  /** [DM-RECEIVER-NEEDS-ONLY-RECEIVE] the receiver needs iot:Receive on the topic, not iot:Subscribe. */
  authorizeReceiver(ctx: RequestContext, receiver: WireGate, clientId: string, topic: string): void
  /**
   * [DM-NO-SUBSCRIPTION-REQUIRED] [DM-NO-FANOUT] [DM-NO-RETAIN] [DM-ALREADY-SUBSCRIBED-SINGLE-COPY]
   * one PUBLISH on the receiver's own connection, whatever it subscribes to,
   * and nothing else: no subscriber, no retained message. Null when the
   * connection's publish quota is spent or it is closing.
   */
  deliver(ctx: RequestContext, receiver: WireGate, message: DirectMessage): DirectSend | null | Promise<DirectSend | null>
  /** [DM-CONFIRM-TRUE-QOS1] [DM-STATUS-504] waits (at most the timeout) for the receiver's PUBACK. */
  confirm(receiver: WireGate, sent: DirectSend, timeoutMs: number, res: http.ServerResponse): Promise<PubackOutcome>
  /** [DM-RESPONSE-BODY] the 200: JSON with `message` and `traceId`. */
  answer(ctx: RequestContext, reason: string): void
}

/** A direct message may not go to any `$` topic [DM-TOPIC-VALIDATION]. */
const NO_RESERVED_TOPIC: readonly string[] = []

/** AWS IoT Core's SendDirectMessage. */
export const awsDirectMessage: DirectMessageRules = {
  propertySizes: AWS_MEASURES,
  clientId: checkClientId,
  topic: (raw, profile) => checkTopic(raw, profile, NO_RESERVED_TOPIC),
  responseTopic: checkResponseTopic,
  confirmationDefault: false,
  authorizeSender(ctx, clientId, context) {
    authorizeOrThrow(ctx, 'iot:SendDirectMessage', `client/${clientId}`, context, { reason: 'sender-not-authorized' })
  },
  receiver: (ctx, clientId) => ctx.deps.broker.connection(clientId),
  notConnected(ctx, clientId) {
    if (ctx.deps.broker.hasPersistentSession(clientId)) {
      throw notFound('client-offline-persistent-session', 'The target client ID is not connected, but it has an active persistent session')
    }
    throw notFound('client-not-connected', 'The target client ID is not connected')
  },
  authorizeReceiver(ctx, receiver, clientId, topic) {
    authorizeOrThrow(ctx, 'iot:Receive', `topic/${topic}`, { topic, clientId }, {
      principal: principalOfGate(receiver),
      reason: 'receiver-not-authorized',
      message: `The target client ${clientId} is not authorized to receive messages on topic ${topic}`,
    })
  },
  // The gate holds PUBLISH writes until the end of the event-loop turn, so the direct messages
  // of one turn leave in one write (WireGate.writeOut).
  deliver: (_ctx, receiver, message) => receiver.sendDirect(message),
  confirm: awaitPuback,
  answer: sendOk,
}

interface DirectMessageInput {
  clientId: string
  topic: string
  confirmation: boolean
  timeoutSeconds: number
  properties: Mqtt5Properties
}

/** The request's parameters, checked before the body is read (their 400s come first). */
function parse(ctx: RequestContext, rules: DirectMessageRules): DirectMessageInput {
  const { profile } = ctx.deps
  const clientId = rules.clientId(ctx.params.clientId!) // [DM-CLIENTID-VALIDATION]
  const topic = rules.topic(ctx.query.string('topic'), profile) // [DM-TOPIC-VALIDATION]
  const confirmation = ctx.query.bool('confirmation', rules.confirmationDefault) // [DM-CONFIRM-FALSE-QOS0]
  const dm = profile.http.directMessage
  // [DM-TIMEOUT-RANGE] 1..15, default 5; only used (and so only checked) with confirmation.
  const timeoutSeconds = confirmation ? ctx.query.int('timeout', dm.timeoutMinSeconds, dm.timeoutMaxSeconds, dm.timeoutDefaultSeconds) : dm.timeoutDefaultSeconds
  // [DM-MQTT5-PROPERTIES-FORWARDED] user properties, payload format, correlation data from x-amz-mqtt5-* headers.
  // Their sizes within the MQTT quotas [M5-USER-PROPERTIES] [M5-PAYLOAD-FORMAT-CONTENT-TYPE].
  const { properties } = parseMqtt5Headers(ctx.req, profile.mqtt.userPropertiesMaxBytes, rules.propertySizes)
  const contentType = checkContentType(ctx.query.string('contentType'), profile.mqtt.contentTypeMaxBytes, rules.propertySizes)
  if (contentType) properties.contentType = contentType
  const responseTopic = rules.responseTopic(ctx.query.string('responseTopic'), profile) // [DM-RESPONSE-TOPIC-NO-WILDCARD]
  if (responseTopic) properties.responseTopic = responseTopic
  const { logFields } = ctx
  logFields.clientId = clientId
  logFields.topic = topic
  logFields.confirmation = confirmation
  return { clientId, topic, confirmation, timeoutSeconds, properties }
}

/**
 * AWS's decision order once the parameters are valid (400 [DM-STATUS-400]) and
 * the body is within 128 KiB (413 [DM-STATUS-413]): account rate 429, sender
 * 403, receiver offline 404, receiver 403, payload 400, receiver rate 429,
 * then 200 at once or after the PUBACK, or 504. A thrown error is a 500
 * [DM-STATUS-500] (create-data-plane.ts).
 */
async function handle(ctx: RequestContext, input: DirectMessageInput, rules: DirectMessageRules): Promise<void> {
  const { clientId, topic, confirmation } = input
  // [DM-STATUS-429] the account's SendDirectMessage rate.
  if (!ctx.deps.directMessageRate.tryTake()) throw throttled('account-rate-exceeded', 'Rate exceeded: too many SendDirectMessage requests per second')
  // [DM-STATUS-403] [DM-TOPIC-CONDITION] the sender, with the topic as iot:Topic.
  rules.authorizeSender(ctx, clientId, { topic })
  // [DM-API-PATH] [DM-BOTH-PROTOCOLS] the receiver must be connected now, with either protocol.
  const receiver = rules.receiver(ctx, clientId)
  // [DM-STATUS-404] [DM-404-PERSISTENT-SESSION] [DM-NO-QUEUE] otherwise 404, never queued for later.
  if (!receiver) return rules.notConnected(ctx, clientId, topic)
  // [DM-RECEIVER-NEEDS-ONLY-RECEIVE] the receiver, iot:Receive on the topic.
  rules.authorizeReceiver(ctx, receiver, clientId, topic)
  // [DM-STATUS-400] a payload declared UTF-8 must be UTF-8.
  if (input.properties.payloadFormatIndicator && !isUtf8(ctx.body)) {
    throw invalidRequest('payload-not-utf8', 'The payload is not UTF-8 but x-amz-mqtt5-payload-format-indicator is UTF8_DATA')
  }
  // [DM-QOS-FROM-API] QoS 1 with confirmation, else QoS 0; [DM-NO-SUBSCRIPTION-REQUIRED] [DM-NO-FANOUT]
  // [DM-NO-RETAIN] one PUBLISH, RETAIN 0, on the receiver's connection; MQTT 5 properties
  // [DM-MQTT5-PROPERTIES-FORWARDED], which the gate drops for 3.1.1 receivers [DM-MQTT311-PROPS-DROPPED].
  const properties = hasAny(input.properties) ? { ...input.properties } : undefined
  const delivering = rules.deliver(ctx, receiver, { topic, payload: ctx.body, qos: confirmation ? 1 : 0, properties })
  // (AWS's deliver is synchronous: no turn of the microtask queue for it.)
  const sent = delivering instanceof Promise ? await delivering : delivering
  if (!sent) {
    if (receiver.state !== 'connected') throw notFound('client-not-connected', 'The target client ID is not connected')
    // [DM-STATUS-429] [LIM-PUB-RATE-100] the receiver's connection has spent its publishes this second.
    throw throttled('receiver-publish-rate-exceeded', `The connection of client ${clientId} exceeded its outbound publish rate`)
  }
  if (sent.messageId !== undefined) ctx.logFields.messageId = sent.messageId
  // [DM-CONFIRM-FALSE-QOS0] [DM-STATUS-200-MEANING] without confirmation, 200 means dispatched.
  if (!confirmation) return rules.answer(ctx, 'dispatched')
  switch (await rules.confirm(receiver, sent, input.timeoutSeconds * 1000, ctx.res)) {
    case 'acked': return rules.answer(ctx, 'acknowledged') // [DM-CONFIRM-TRUE-QOS1]
    case 'timeout': throw gatewayTimeout('puback-timeout', `The target client did not acknowledge the message within ${input.timeoutSeconds} seconds`) // [DM-STATUS-504]
    case 'receiver-disconnected': throw gatewayTimeout('receiver-disconnected', 'The target client disconnected before acknowledging the message')
    case 'caller-gone': ctx.outcome = { status: 0, reason: 'caller-gone' }
  }
}

/** Whether `o` has an own property (without the array Object.keys would build per request). */
function hasAny(o: object): boolean {
  for (const key in o) if (Object.hasOwn(o, key)) return true
  return false
}

/** `POST /connections/{clientId}/messages` [DM-API-PATH], with the given rules (default AWS's). */
export function sendDirectMessageRoute(rules: DirectMessageRules = awsDirectMessage): Route<unknown> {
  return defineRoute<DirectMessageInput>({
    method: 'POST',
    path: 'connections/:clientId/messages',
    api: 'SendDirectMessage',
    hasBody: true,
    parse: (ctx) => parse(ctx, rules),
    handle: (ctx, input) => handle(ctx, input, rules),
  })
}
