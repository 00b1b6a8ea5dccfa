import type { Fault, Faults } from '../deviations.js'
import { matches } from '../topic-rules.js'
import { NOTHING_TO_ACK } from '../direct-delivery.js'
import { invalidRequest, notFound } from '../http/api-error.js'
import { authorizeOrThrow } from '../http/authorize-caller.js'
import { awsDataPlane, type DataPlanePolicy } from '../http/data-plane-policy.js'
import type { PropertyMeasures } from '../http/mqtt5-headers.js'
import { sendEmpty, sendOk } from '../http/respond.js'
import type { RequestContext } from '../http/route-table.js'
import { claimedAccessKey } from '../http/verify-sigv4.js'
import { principalOfGate } from '../policy/install-mqtt-policy.js'

/**
 * The data plane's deliberate deviations (deviations.ts): each takes the
 * policy built so far and returns it with one rule replaced or wrapped, so the
 * production handlers (reference-broker/http/) hold no fault check. A fault's
 * name is its deviation's; the comment names the catalogue ids it breaks.
 */
type Decorator = (policy: DataPlanePolicy) => DataPlanePolicy

/** The receiver's own subscriptions (filter → QoS), which some deviations consult. */
function subscriptionsOf(ctx: RequestContext, clientId: string): Record<string, { qos: number }> {
  const clients = (ctx.deps.broker.aedes as unknown as { clients: Record<string, { subscriptions?: Record<string, { qos: number }> }> }).clients
  return clients[clientId]?.subscriptions ?? {}
}

function matchingSubscription(ctx: RequestContext, clientId: string, topic: string): { qos: number } | undefined {
  const subs = subscriptionsOf(ctx, clientId)
  const filter = Object.keys(subs).find((f) => matches(f, topic, ctx.deps.profile.mqtt.hashMatchesParent))
  return filter === undefined ? undefined : subs[filter]
}

/** A publish through aedes, to its subscribers and sessions, without waiting. */
function publishThroughAedes(ctx: RequestContext, topic: string, qos: 0 | 1): void {
  ctx.deps.broker.aedes.publish({ cmd: 'publish', topic, payload: ctx.body, qos, retain: false, dup: false } as never, () => {})
}

/** Both APIs that carry MQTT 5 properties (HTTPS publish, SendDirectMessage) counting their sizes another way. */
function withPropertySizes(p: DataPlanePolicy, propertySizes: PropertyMeasures): DataPlanePolicy {
  return { ...p, publish: { ...p.publish, propertySizes }, directMessage: { ...p.directMessage, propertySizes } }
}

export const dataPlaneFaults = {
  // ---- every operation ----
  // [HTTP-ERRORS] a known path with the wrong method answers 404, not 405.
  'http-wrong-method-404': (p) => ({ ...p, wrongMethod: (_allowed, method, rawPath) => notFound('no-such-route', `No data-plane operation at ${method} ${rawPath}`) }),
  // [DM-STATUS-400] a malformed percent escape is kept as it is.
  'http-lenient-decoding': (p) => ({
    ...p,
    decodeParam: (raw, name) => {
      try {
        return p.decodeParam(raw, name)
      } catch {
        return raw
      }
    },
  }),
  // [DM-STATUS-401] whatever access key a request claims is trusted, and unsigned requests pass when signatures are required.
  'sigv4-unchecked': (p) => ({
    ...p,
    identify: (req, body, authorizer, options = {}) => {
      if (req.headers.authorization !== undefined && authorizer.hasCredentials) {
        const claimed = claimedAccessKey(req)
        return claimed ? { kind: 'access-key', id: claimed } : { kind: 'anonymous' }
      }
      return p.identify(req, body, authorizer, { ...options, requireSignature: false })
    },
  }),
  // [API-SIGNING-NAME] only the iotdata scope is accepted, iotdevicegateway refused (contradiction C10).
  'signing-name-iotdata-only': (p) => ({ ...p, identify: (req, body, authorizer, options = {}) => p.identify(req, body, authorizer, { ...options, signingNames: ['iotdata'] }) }),

  // [LIM-PAYLOAD-128KB] HTTPS Publish reads bodies up to 1 MiB (SendDirectMessage keeps its 128 KiB).
  'http-publish-body-unlimited': (p) => ({ ...p, bodyLimit: (api, profile) => (api === 'Publish' ? 1048576 : p.bodyLimit(api, profile)) }),

  // [M5-USER-PROPERTIES] [M5-PAYLOAD-FORMAT-CONTENT-TYPE] x-amz-mqtt5-user-properties and contentType of any size are accepted.
  'http-property-limits-off': (p) => withPropertySizes(p, { userPropertySize: () => 0, contentTypeSize: () => 0 }),
  // [M5-USER-PROPERTIES] [M5-PAYLOAD-FORMAT-CONTENT-TYPE] their quotas count characters (UTF-16 units), not UTF-8 bytes.
  'http-property-sizes-in-characters': (p) => withPropertySizes(p, { userPropertySize: (name, value) => name.length + value.length + 4, contentTypeSize: (s) => s.length }),

  // ---- SendDirectMessage ----
  // [DM-CLIENTID-VALIDATION] [DM-TOPIC-VALIDATION] [DM-RESPONSE-TOPIC-NO-WILDCARD] nothing is checked.
  'dm-validation-off': (p) => ({ ...p, directMessage: { ...p.directMessage, clientId: (raw) => raw, topic: (raw) => raw ?? 'unchecked', responseTopic: (raw) => raw } }),
  // [DM-CLIENTID-VALIDATION] the 128-character limit counts UTF-16 units (JavaScript's length), not characters.
  'dm-client-id-in-utf16-units': (p) => ({ ...p, directMessage: { ...p.directMessage, clientId: (raw) => {
    if (raw.length > 128) throw invalidRequest('invalid-client-id', 'clientId must be at most 128 characters')
    return p.directMessage.clientId(raw)
  } } }),
  // [DM-CONFIRM-FALSE-QOS0] confirmation defaults to true.
  'dm-confirmation-default-true': (p) => ({ ...p, directMessage: { ...p.directMessage, confirmationDefault: true } }),
  // [DM-STATUS-403] neither the sender's nor the receiver's policy is checked.
  'dm-policy-off': (p) => ({ ...p, directMessage: { ...p.directMessage, authorizeSender: () => {}, authorizeReceiver: () => {} } }),
  // [DM-TOPIC-CONDITION] the sender's check has no iot:Topic.
  'dm-topic-condition-ignored': (p) => ({ ...p, directMessage: { ...p.directMessage, authorizeSender: (ctx, clientId) => p.directMessage.authorizeSender(ctx, clientId, {}) } }),
  // [DM-API-PATH] a connected client is reported as not connected.
  'dm-404-for-connected': (p) => ({ ...p, directMessage: { ...p.directMessage, receiver: () => undefined } }),
  // [DM-BOTH-PROTOCOLS] a client connected with MQTT 3.1.1 counts as not connected.
  'dm-mqtt5-receivers-only': (p) => ({
    ...p,
    directMessage: { ...p.directMessage, receiver: (ctx, clientId) => { const r = p.directMessage.receiver(ctx, clientId); return r && r.version === 5 ? r : undefined } },
  }),
  // [DM-NO-QUEUE] the message goes to an offline persistent session's queue (the answer is still 404).
  'dm-queued-for-offline': (p) => ({
    ...p,
    directMessage: {
      ...p.directMessage,
      notConnected: (ctx, clientId, topic) => {
        if (ctx.deps.broker.hasPersistentSession(clientId)) publishThroughAedes(ctx, topic, 1)
        p.directMessage.notConnected(ctx, clientId, topic)
      },
    },
  }),
  // [DM-404-PERSISTENT-SESSION] the 404 does not say the client has a persistent session.
  'dm-404-without-session-hint': (p) => ({
    ...p,
    directMessage: { ...p.directMessage, notConnected: () => { throw notFound('client-not-connected', 'The target client ID is not connected') } },
  }),
  // [DM-STATUS-404] a client that is neither connected nor has a session gets 200.
  'dm-200-for-unknown-client': (p) => ({
    ...p,
    directMessage: {
      ...p.directMessage,
      notConnected: (ctx, clientId, topic) => (ctx.deps.broker.hasPersistentSession(clientId) ? p.directMessage.notConnected(ctx, clientId, topic) : sendOk(ctx, 'dispatched')),
    },
  }),
  // [DM-RECEIVER-NEEDS-ONLY-RECEIVE] the receiver also needs iot:Subscribe on the topic.
  'dm-receiver-needs-subscribe': (p) => ({
    ...p,
    directMessage: {
      ...p.directMessage,
      authorizeReceiver: (ctx, receiver, clientId, topic) => {
        p.directMessage.authorizeReceiver(ctx, receiver, clientId, topic)
        authorizeOrThrow(ctx, 'iot:Subscribe', `topicfilter/${topic}`, { topic, clientId }, { principal: principalOfGate(receiver), reason: 'receiver-not-authorized' })
      },
    },
  }),
  // [DM-NO-SUBSCRIPTION-REQUIRED] a receiver holding subscriptions gets the message only through a matching one
  // (the answer is 200 either way: the dropped message counts as acknowledged).
  'dm-needs-subscription': (p) => ({
    ...p,
    directMessage: {
      ...p.directMessage,
      deliver: (ctx, receiver, message) => {
        const clientId = receiver.clientId!
        if (Object.keys(subscriptionsOf(ctx, clientId)).length > 0 && !matchingSubscription(ctx, clientId, message.topic)) return NOTHING_TO_ACK
        return p.directMessage.deliver(ctx, receiver, message)
      },
    },
  }),
  // [DM-MQTT5-PROPERTIES-FORWARDED] no MQTT 5 property reaches the receiver.
  'dm-properties-dropped-for-v5': (p) => ({
    ...p,
    directMessage: { ...p.directMessage, deliver: (ctx, receiver, message) => p.directMessage.deliver(ctx, receiver, { ...message, properties: undefined }) },
  }),
  // [DM-QOS-FROM-API] the QoS is the receiver's matching subscription's, when it has one.
  'dm-qos-from-subscription': (p) => ({
    ...p,
    directMessage: {
      ...p.directMessage,
      deliver: (ctx, receiver, message) => {
        const subscribed = matchingSubscription(ctx, receiver.clientId!, message.topic)
        return p.directMessage.deliver(ctx, receiver, subscribed ? { ...message, qos: Math.min(subscribed.qos, 1) as 0 | 1 } : message)
      },
    },
  }),
  // [DM-NO-FANOUT] [DM-ALREADY-SUBSCRIBED-SINGLE-COPY] the message is also published to every subscriber of its topic.
  'dm-fanout-to-subscribers': (p) => ({
    ...p,
    directMessage: {
      ...p.directMessage,
      deliver: async (ctx, receiver, message) => {
        const sent = await p.directMessage.deliver(ctx, receiver, message)
        if (sent) publishThroughAedes(ctx, message.topic, 0)
        return sent
      },
    },
  }),
  // [DM-NO-RETAIN] the message is stored as its topic's retained message.
  'dm-retained': (p) => ({
    ...p,
    directMessage: {
      ...p.directMessage,
      deliver: async (ctx, receiver, message) => {
        const sent = await p.directMessage.deliver(ctx, receiver, message)
        if (sent) {
          const persistence = (ctx.deps.broker.aedes as unknown as { persistence: { storeRetained(packet: unknown): Promise<void> } }).persistence
          await persistence.storeRetained({ cmd: 'publish', topic: message.topic, payload: message.payload, qos: 0, retain: true, dup: false })
        }
        return sent
      },
    },
  }),
  // [DM-CONFIRM-TRUE-QOS1] [DM-STATUS-504] a confirmed message is answered 200 at once, before any PUBACK.
  'dm-200-before-puback': (p) => ({ ...p, directMessage: { ...p.directMessage, confirm: async () => 'acked' as const } }),
  // [DM-RESPONSE-BODY] the 200 has no body (no message, no traceId).
  'dm-200-empty-body': (p) => ({ ...p, directMessage: { ...p.directMessage, answer: sendEmpty } }),

  // ---- HTTPS publish ----
  // [HTTP-TOPIC-ENCODING] the topic is the path as sent, `%2F` and all.
  'http-topic-not-decoded': (p) => ({ ...p, publish: { ...p.publish, topic: (ctx) => (ctx.req.url ?? '').split('?')[0]!.slice('/topics/'.length) } }),
  // [HTTP-QOS-PARAM] every publish is QoS 0 whatever qos says (a malformed qos is still a 400).
  'http-publish-qos-ignored': (p) => ({ ...p, publish: { ...p.publish, qos: (ctx) => { p.publish.qos(ctx); return 0 } } }),
  // [HTTP-RETAIN] retain=true is ignored (a malformed retain is still a 400).
  'http-retain-ignored': (p) => ({ ...p, publish: { ...p.publish, retain: (ctx) => { p.publish.retain(ctx); return false } } }),
  // [RET-POLICY-RETAINPUBLISH] a retained publish needs only iot:Publish (the MQTT side: policy/install-mqtt-policy.ts).
  'retain-publish-unchecked': (p) => ({ ...p, publish: { ...p.publish, authorizeRetain: () => {} } }),
  // [HTTP-MQTT5-PROPERTIES] no MQTT 5 property is forwarded.
  'http-publish-properties-dropped': (p) => ({
    ...p,
    publish: { ...p.publish, publish: (ctx, packet) => { const { properties: _dropped, ...bare } = packet; return p.publish.publish(ctx, bare) } },
  }),
  // [HTTP-RESPONSE-OK-TRACEID] the 200 has no body.
  'http-publish-empty-200': (p) => ({ ...p, publish: { ...p.publish, answer: sendEmpty } }),

  // ---- retained-message and connection APIs ----
  // [API-GET-RETAINED] the payload is returned as text, not base64.
  'get-retained-payload-raw': (p) => ({ ...p, retained: { ...p.retained, payloadEncoding: 'utf8' } }),
  // [API-LIST-RETAINED] maxResults is ignored.
  'list-retained-unpaginated': (p) => ({ ...p, retained: { ...p.retained, page: (topics) => topics } }),
  // [API-GET-CONNECTION] how and when a client disconnected is forgotten.
  'get-connection-no-disconnect-reason': (p) => ({ ...p, connections: { ...p.connections, disconnectDetails: () => ({}) } }),
  // [API-LIST-SUBSCRIPTIONS] [PS-LISTED-OFFLINE] an offline persistent session lists no subscription.
  'list-subscriptions-offline-empty': (p) => ({ ...p, connections: { ...p.connections, offlineSubscriptions: async () => [] } }),
  // [API-DELETE-CONNECTION] [LWT-DELETECONNECTION-CONTROL] preventWillMessage is read the wrong way round.
  'delete-connection-will-inverted': (p) => ({ ...p, connections: { ...p.connections, preventWill: (ctx) => !p.connections.preventWill(ctx) } }),
} satisfies Partial<Record<Fault, Decorator>>

/** The faults this module applies: the deviations of the HTTP data plane. */
export type DataPlaneFault = keyof typeof dataPlaneFaults

const isDataPlaneFault = (fault: Fault): fault is DataPlaneFault => Object.hasOwn(dataPlaneFaults, fault)

/**
 * The data plane's policy for a broker's faults: AWS's (`awsDataPlane`, the
 * same object) when none of them is a data-plane fault, otherwise AWS's with
 * each fault's rule replaced or wrapped. Built once, when the broker starts.
 */
export function dataPlanePolicy(faults: Faults): DataPlanePolicy {
  let policy = awsDataPlane
  for (const fault of faults) if (isDataPlaneFault(fault)) policy = (dataPlaneFaults[fault] as Decorator)(policy)
  return policy
}
