import { isUtf8 } from 'node:buffer'
import { invalidRequest, throttled } from './api-error.js'
import { authorizeOrThrow } from './authorize-caller.js'
import { parseMqtt5Headers, type Mqtt5Properties } from './mqtt5-headers.js'
import { checkResponseTopic, checkTopic } from './name-rules.js'
import { sendEmpty, sendOk } from './respond.js'
import { defineRoute, type RequestContext } from './route-table.js'

interface PublishInput {
  topic: string
  qos: 0 | 1
  retain: boolean
  properties: Mqtt5Properties
}

function parse(ctx: RequestContext): PublishInput {
  const { profile, broker } = ctx.deps
  const m = profile.mqtt
  // [HTTP-TOPIC-ENCODING] `%2F` and a raw `/` are both level separators. The 'http-topic-not-decoded'
  // deviation (deviations.ts) takes the path as sent, `%2F` and all, breaking it on purpose.
  const rawTopic = broker.faults.has('http-topic-not-decoded') ? (ctx.req.url ?? '').split('?')[0]!.slice('/topics/'.length) : ctx.params.topic
  const topic = checkTopic(rawTopic, profile, m.reservedTopicsPublishAllowed)
  if (ctx.query.string('qos') !== undefined && !/^[01]$/.test(ctx.query.string('qos')!)) {
    throw invalidRequest('invalid-qos', 'qos must be 0 or 1') // [HTTP-QOS-PARAM]
  }
  // The 'http-publish-qos-ignored' deviation publishes at QoS 0 whatever qos says, breaking [HTTP-QOS-PARAM] on purpose.
  const qos = broker.faults.has('http-publish-qos-ignored') ? 0 : ctx.query.int('qos', 0, 1, 0) as 0 | 1
  // The 'http-retain-ignored' deviation never retains, breaking [HTTP-RETAIN] on purpose.
  const retain = ctx.query.bool('retain', false) && !broker.faults.has('http-retain-ignored')
  if (retain && m.reservedTopicPrefix && topic.startsWith(m.reservedTopicPrefix)) {
    throw invalidRequest('invalid-topic', 'Retained messages cannot be published to reserved topics') // [RET-NOT-ON-RESERVED]
  }
  const { properties } = parseMqtt5Headers(ctx.req, m.userPropertiesMaxBytes)
  const contentType = ctx.query.string('contentType')
  if (contentType) properties.contentType = contentType
  const responseTopic = checkResponseTopic(ctx.query.string('responseTopic'), profile)
  if (responseTopic) properties.responseTopic = responseTopic
  const expiry = ctx.query.int('messageExpiry', 0, 0xffffffff)
  // [MEI-MIN-1] [MEI-MAX-7-DAYS] clamped as for MQTT publishes; 0 means no expiry.
  if (expiry) properties.messageExpiryInterval = Math.min(Math.max(expiry, m.messageExpiryMinSeconds), m.messageExpiryMaxSeconds)
  Object.assign(ctx.logFields, { topic, qos, retain })
  return { topic, qos, retain, properties }
}

async function handle(ctx: RequestContext, input: PublishInput): Promise<void> {
  const { topic, qos, retain, properties } = input
  authorizeOrThrow(ctx, 'iot:Publish', `topic/${topic}`, { topic })
  // [RET-POLICY-RETAINPUBLISH] retained publishes also need iot:RetainPublish.
  if (retain && !ctx.deps.broker.faults.has('retain-publish-unchecked')) authorizeOrThrow(ctx, 'iot:RetainPublish', `topic/${topic}`, { topic })
  // [RET-COUNT-LIMIT-THROTTLE] at the account's retained-message limit only deletes (empty body) pass.
  if (retain && ctx.body.length > 0 && ctx.deps.broker.retainedLimitReached()) {
    throw throttled('retained-limit', 'The account holds the maximum number of retained messages')
  }
  if (properties.payloadFormatIndicator && !isUtf8(ctx.body)) {
    throw invalidRequest('payload-not-utf8', 'The payload is not UTF-8 but x-amz-mqtt5-payload-format-indicator is UTF8_DATA')
  }
  const packet: Record<string, unknown> = { cmd: 'publish', topic, payload: ctx.body, qos, retain, dup: false }
  // The 'http-publish-properties-dropped' deviation forwards no MQTT 5 property, breaking [HTTP-MQTT5-PROPERTIES] on purpose.
  if (Object.keys(properties).length > 0 && !ctx.deps.broker.faults.has('http-publish-properties-dropped')) packet.properties = properties
  // [HTTP-PUBLISH-URL] [HTTP-RETAIN]: matching subscribers get it; retain=true with an empty
  // body deletes the topic's retained message [RET-EMPTY-DELETES].
  await new Promise<void>((resolve, reject) => {
    ctx.deps.broker.aedes.publish(packet as never, (err?: Error | null) => (err ? reject(err) : resolve()))
  })
  const reason = !retain ? 'published' : ctx.body.length === 0 ? 'retained-deleted' : 'retained-stored'
  // [HTTP-RESPONSE-OK-TRACEID] the 'http-publish-empty-200' deviation answers without the JSON body, breaking it on purpose.
  if (ctx.deps.broker.faults.has('http-publish-empty-200')) return sendEmpty(ctx, reason)
  sendOk(ctx, reason)
}

/** `POST /topics/{topic}` HTTPS publish [HTTP-PUBLISH-URL]. */
export const publishRoute = defineRoute<PublishInput>({
  method: 'POST',
  path: 'topics/*topic',
  api: 'Publish',
  hasBody: true,
  parse,
  handle,
})
