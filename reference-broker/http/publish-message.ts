import { isUtf8 } from 'node:buffer'
import { invalidRequest, throttled } from './api-error.js'
import { authorizeOrThrow } from './authorize-caller.js'
import { AWS_MEASURES } from '../measures.js'
import { checkContentType, parseMqtt5Headers, type Mqtt5Properties, type PropertyMeasures } from './mqtt5-headers.js'
import { checkResponseTopic, checkTopic } from './name-rules.js'
import { sendOk } from './respond.js'
import { defineRoute, type RequestContext, type Route } from './route-table.js'

/** An MQTT PUBLISH as aedes takes it. */
export interface PublishPacket {
  cmd: 'publish'
  topic: string
  payload: Buffer
  qos: 0 | 1
  retain: boolean
  dup: false
  properties?: Mqtt5Properties
}

/**
 * HTTPS publish's rules. The normal instance, `awsPublish`, is AWS IoT Core's
 * documented behaviour; the deliberate deviations
 * (reference-broker/faults/data-plane-faults.ts) replace or wrap single rules.
 */
export interface PublishRules {
  /** [M5-USER-PROPERTIES] [M5-PAYLOAD-FORMAT-CONTENT-TYPE] how `x-amz-mqtt5-user-properties` and `contentType` count against the MQTT quotas. */
  propertySizes: PropertyMeasures
  /** [HTTP-TOPIC-ENCODING] the topic from the path: `%2F` and a raw `/` are both level separators. */
  topic(ctx: RequestContext): string
  /** [HTTP-QOS-PARAM] `?qos=0|1`, default 0. */
  qos(ctx: RequestContext): 0 | 1
  /** [HTTP-RETAIN] `?retain=true|false`, default false. */
  retain(ctx: RequestContext): boolean
  /** [RET-POLICY-RETAINPUBLISH] a retained publish also needs iot:RetainPublish. */
  authorizeRetain(ctx: RequestContext, topic: string): void
  /** [HTTP-PUBLISH-URL] [HTTP-MQTT5-PROPERTIES] matching subscribers get the message, with its MQTT 5 properties. */
  publish(ctx: RequestContext, packet: PublishPacket): Promise<void>
  /** [HTTP-RESPONSE-OK-TRACEID] the 200: JSON with `message` and `traceId`. */
  answer(ctx: RequestContext, reason: string): void
}

/** AWS IoT Core's HTTPS publish. */
export const awsPublish: PublishRules = {
  propertySizes: AWS_MEASURES,
  topic: (ctx) => ctx.params.topic!,
  qos(ctx) {
    const raw = ctx.query.string('qos')
    if (raw !== undefined && !/^[01]$/.test(raw)) throw invalidRequest('invalid-qos', 'qos must be 0 or 1')
    return ctx.query.int('qos', 0, 1, 0) as 0 | 1
  },
  retain: (ctx) => ctx.query.bool('retain', false),
  authorizeRetain(ctx, topic) {
    authorizeOrThrow(ctx, 'iot:RetainPublish', `topic/${topic}`, { topic })
  },
  publish(ctx, packet) {
    return new Promise<void>((resolve, reject) => {
      ctx.deps.broker.aedes.publish(packet as never, (err?: Error | null) => (err ? reject(err) : resolve()))
    })
  },
  answer: sendOk,
}

interface PublishInput {
  topic: string
  qos: 0 | 1
  retain: boolean
  properties: Mqtt5Properties
}

function parse(ctx: RequestContext, rules: PublishRules): PublishInput {
  const { profile } = ctx.deps
  const m = profile.mqtt
  const topic = checkTopic(rules.topic(ctx), profile, m.reservedTopicsPublishAllowed) // [HTTP-TOPIC-ENCODING]
  const qos = rules.qos(ctx) // [HTTP-QOS-PARAM]
  const retain = rules.retain(ctx) // [HTTP-RETAIN]
  if (retain && m.reservedTopicPrefix && topic.startsWith(m.reservedTopicPrefix)) {
    throw invalidRequest('invalid-topic', 'Retained messages cannot be published to reserved topics') // [RET-NOT-ON-RESERVED]
  }
  // Their sizes within the MQTT quotas [M5-USER-PROPERTIES] [M5-PAYLOAD-FORMAT-CONTENT-TYPE].
  const { properties } = parseMqtt5Headers(ctx.req, m.userPropertiesMaxBytes, rules.propertySizes)
  const contentType = checkContentType(ctx.query.string('contentType'), m.contentTypeMaxBytes, rules.propertySizes)
  if (contentType) properties.contentType = contentType
  const responseTopic = checkResponseTopic(ctx.query.string('responseTopic'), profile)
  if (responseTopic) properties.responseTopic = responseTopic
  const expiry = ctx.query.int('messageExpiry', 0, 0xffffffff)
  // [MEI-MIN-1] [MEI-MAX-7-DAYS] clamped as for MQTT publishes; 0 means no expiry.
  if (expiry) properties.messageExpiryInterval = Math.min(Math.max(expiry, m.messageExpiryMinSeconds), m.messageExpiryMaxSeconds)
  Object.assign(ctx.logFields, { topic, qos, retain })
  return { topic, qos, retain, properties }
}

async function handle(ctx: RequestContext, input: PublishInput, rules: PublishRules): Promise<void> {
  const { topic, qos, retain, properties } = input
  authorizeOrThrow(ctx, 'iot:Publish', `topic/${topic}`, { topic })
  // [RET-POLICY-RETAINPUBLISH] retained publishes also need iot:RetainPublish.
  if (retain) rules.authorizeRetain(ctx, topic)
  // [RET-COUNT-LIMIT-THROTTLE] at the account's retained-message limit only deletes (empty body) pass.
  if (retain && ctx.body.length > 0 && ctx.deps.broker.retainedLimitReached()) {
    throw throttled('retained-limit', 'The account holds the maximum number of retained messages')
  }
  if (properties.payloadFormatIndicator && !isUtf8(ctx.body)) {
    throw invalidRequest('payload-not-utf8', 'The payload is not UTF-8 but x-amz-mqtt5-payload-format-indicator is UTF8_DATA')
  }
  const packet: PublishPacket = { cmd: 'publish', topic, payload: ctx.body, qos, retain, dup: false }
  if (Object.keys(properties).length > 0) packet.properties = properties // [HTTP-MQTT5-PROPERTIES]
  // [HTTP-PUBLISH-URL] [HTTP-RETAIN]: matching subscribers get it; retain=true with an empty
  // body deletes the topic's retained message [RET-EMPTY-DELETES].
  await rules.publish(ctx, packet)
  rules.answer(ctx, !retain ? 'published' : ctx.body.length === 0 ? 'retained-deleted' : 'retained-stored') // [HTTP-RESPONSE-OK-TRACEID]
}

/** `POST /topics/{topic}` HTTPS publish [HTTP-PUBLISH-URL], with the given rules (default AWS's). */
export function publishRoute(rules: PublishRules = awsPublish): Route<unknown> {
  return defineRoute<PublishInput>({
    method: 'POST',
    path: 'topics/*topic',
    api: 'Publish',
    hasBody: true,
    parse: (ctx) => parse(ctx, rules),
    handle: (ctx, input) => handle(ctx, input, rules),
  })
}
