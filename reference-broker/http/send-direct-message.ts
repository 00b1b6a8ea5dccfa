import { isUtf8 } from 'node:buffer'
import type { Duplex } from 'node:stream'
import { principalOfGate } from '../policy/install-mqtt-policy.js'
import { gatewayTimeout, invalidRequest, notFound, throttled } from './api-error.js'
import { authorizeOrThrow } from './authorize-caller.js'
import { awaitPuback } from './await-puback.js'
import { parseMqtt5Headers, type Mqtt5Properties } from './mqtt5-headers.js'
import { checkClientId, checkResponseTopic, checkTopic } from './name-rules.js'
import { sendOk } from './respond.js'
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

function parse(ctx: RequestContext): DirectMessageInput {
  const { profile } = ctx.deps
  const clientId = checkClientId(ctx.params.clientId!)
  // [DM-TOPIC-VALIDATION] no `$` topic at all: reserved topics are not for direct messages.
  const topic = checkTopic(ctx.query.string('topic'), profile, [])
  const confirmation = ctx.query.bool('confirmation', false) // [DM-CONFIRM-FALSE-QOS0] default false
  const dm = profile.http.directMessage
  // [DM-TIMEOUT-RANGE] 1..15, default 5; only used (and so only checked) with confirmation.
  const timeoutSeconds = confirmation ? ctx.query.int('timeout', dm.timeoutMinSeconds, dm.timeoutMaxSeconds, dm.timeoutDefaultSeconds) : dm.timeoutDefaultSeconds
  const { properties } = parseMqtt5Headers(ctx.req, profile.mqtt.userPropertiesMaxBytes)
  const contentType = ctx.query.string('contentType')
  if (contentType) properties.contentType = contentType
  const responseTopic = checkResponseTopic(ctx.query.string('responseTopic'), profile) // [DM-RESPONSE-TOPIC-NO-WILDCARD]
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
  authorizeOrThrow(ctx, 'iot:SendDirectMessage', `client/${clientId}`, { topic }, { reason: 'sender-not-authorized' })
  // The 'dm-404-for-connected' deviation (deviations.ts) breaks [DM-API-PATH] on purpose.
  const gate = broker.faults.has('dm-404-for-connected') ? undefined : broker.connection(clientId)
  if (!gate) {
    // [DM-STATUS-404] [DM-404-PERSISTENT-SESSION] [DM-NO-QUEUE] never queued for later.
    if (broker.hasPersistentSession(clientId)) {
      throw notFound('client-offline-persistent-session', 'The target client ID is not connected, but it has an active persistent session')
    }
    throw notFound('client-not-connected', 'The target client ID is not connected')
  }
  // [DM-RECEIVER-NEEDS-ONLY-RECEIVE] the receiver needs iot:Receive on the topic, not iot:Subscribe.
  authorizeOrThrow(ctx, 'iot:Receive', `topic/${topic}`, { topic, clientId }, {
    principal: principalOfGate(gate),
    reason: 'receiver-not-authorized',
    message: `The target client ${clientId} is not authorized to receive messages on topic ${topic}`,
  })
  if (input.properties.payloadFormatIndicator && !isUtf8(ctx.body)) {
    throw invalidRequest('payload-not-utf8', 'The payload is not UTF-8 but x-amz-mqtt5-payload-format-indicator is UTF8_DATA')
  }
  // [DM-NO-SUBSCRIPTION-REQUIRED] [DM-NO-FANOUT] [DM-NO-RETAIN] [DM-QOS-FROM-API]: one PUBLISH on the
  // client's own connection, RETAIN 0, QoS from `confirmation`; MQTT 5 properties are
  // dropped for 3.1.1 receivers by the gate [DM-MQTT311-PROPS-DROPPED].
  const hasProperties = Object.keys(input.properties).length > 0
  batchWrites(gate.socket)
  const sent = gate.sendDirect({ topic, payload: ctx.body, qos: confirmation ? 1 : 0, properties: hasProperties ? { ...input.properties } : undefined })
  if (!sent) {
    if (gate.state !== 'connected') throw notFound('client-not-connected', 'The target client ID is not connected')
    // [DM-STATUS-429] [LIM-PUB-RATE-100] the receiver's connection has spent its publishes this second.
    throw throttled('receiver-publish-rate-exceeded', `The connection of client ${clientId} exceeded its outbound publish rate`)
  }
  if (sent.messageId !== undefined) ctx.logFields.messageId = sent.messageId
  // [DM-CONFIRM-FALSE-QOS0] [DM-STATUS-200-MEANING] dispatched. The 'dm-200-before-puback'
  // deviation answers a confirmed message the same way, breaking [DM-CONFIRM-TRUE-QOS1] on purpose.
  if (!confirmation || broker.faults.has('dm-200-before-puback')) return sendOk(ctx, 'dispatched')
  const outcome = await awaitPuback(gate, sent, input.timeoutSeconds * 1000, ctx.res)
  switch (outcome) {
    case 'acked': return sendOk(ctx, 'acknowledged') // [DM-CONFIRM-TRUE-QOS1]
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
