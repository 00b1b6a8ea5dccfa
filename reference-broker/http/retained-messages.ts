import { invalidRequest, notFound } from './api-error.js'
import { authorizeOrThrow } from './authorize-caller.js'
import { checkTopic } from './name-rules.js'
import { sendOk } from './respond.js'
import { defineRoute, type RequestContext, type Route } from './route-table.js'

/**
 * The retained-message APIs' rules. The normal instance, `awsRetained`, is AWS
 * IoT Core's documented behaviour; the deliberate deviations
 * (reference-broker/faults/data-plane-faults.ts) replace single rules.
 */
export interface RetainedRules {
  /** [API-GET-RETAINED] how GetRetainedMessage encodes the payload: base64. */
  payloadEncoding: BufferEncoding
  /** [API-LIST-RETAINED] one page of ListRetainedMessages: at most maxResults topics. */
  page<T>(topics: T[], maxResults: number): T[]
}

/** AWS IoT Core's retained-message APIs. */
export const awsRetained: RetainedRules = {
  payloadEncoding: 'base64',
  page: (topics, maxResults) => topics.slice(0, maxResults),
}

interface StoredRetained {
  topic: string
  payload: Buffer
  qos: number
  properties?: { userProperties?: Record<string, string | string[]> }
}

async function readRetained(ctx: RequestContext, pattern: string): Promise<StoredRetained[]> {
  const persistence = (ctx.deps.broker.aedes as unknown as { persistence: unknown }).persistence as { createRetainedStream(pattern: string): AsyncIterable<StoredRetained> }
  const out: StoredRetained[] = []
  for await (const packet of persistence.createRetainedStream(pattern)) out.push(packet)
  return out
}

/** User properties as the API returns them: base64 of a JSON array of single-key objects [API-GET-RETAINED]. */
function encodeUserProperties(map: Record<string, string | string[]> | undefined): string | undefined {
  if (!map) return undefined
  const pairs: Record<string, string>[] = []
  for (const [k, v] of Object.entries(map)) for (const value of Array.isArray(v) ? v : [v]) pairs.push({ [k]: value })
  return pairs.length > 0 ? Buffer.from(JSON.stringify(pairs)).toString('base64') : undefined
}

/** `GET /retainedMessage/{topic}` [API-GET-RETAINED] [RET-HTTP-AND-APIS], with the given rules (default AWS's). */
export const getRetainedMessageRoute = (rules: RetainedRules = awsRetained): Route<unknown> => defineRoute<string>({
  method: 'GET',
  path: 'retainedMessage/*topic',
  api: 'GetRetainedMessage',
  hasBody: false,
  parse(ctx) {
    const topic = checkTopic(ctx.params.topic, ctx.deps.profile, ctx.deps.profile.mqtt.reservedTopicsPublishAllowed)
    ctx.logFields.topic = topic
    return topic
  },
  async handle(ctx, topic) {
    authorizeOrThrow(ctx, 'iot:GetRetainedMessage', `topic/${topic}`, { topic })
    const packet = (await readRetained(ctx, topic)).find((p) => p.topic === topic)
    if (!packet) throw notFound('no-retained-message', `No retained message on topic ${topic}`)
    const body: Record<string, unknown> = {
      topic,
      payload: packet.payload.toString(rules.payloadEncoding), // [API-GET-RETAINED]
      qos: packet.qos,
      lastModifiedTime: ctx.deps.retainedTimes.get(topic) ?? 0,
    }
    const userProperties = encodeUserProperties(packet.properties?.userProperties)
    if (userProperties) body.userProperties = userProperties
    sendOk(ctx, 'found', body)
  },
})

const MAX_RESULTS = 200

/** Opaque page token: the last topic of the previous page. */
function decodeToken(token: string | undefined): string | undefined {
  if (token === undefined) return undefined
  const topic = Buffer.from(token, 'base64url').toString('utf8')
  if (token === '' || Buffer.from(topic, 'utf8').toString('base64url') !== token) throw invalidRequest('invalid-next-token', 'nextToken is not valid')
  return topic
}

/** `GET /retainedMessage?maxResults=&nextToken=` [API-LIST-RETAINED]: summaries without payloads, by topic, with the given rules (default AWS's). */
export const listRetainedMessagesRoute = (rules: RetainedRules = awsRetained): Route<unknown> => defineRoute<{ maxResults: number; after: string | undefined }>({
  method: 'GET',
  path: 'retainedMessage',
  api: 'ListRetainedMessages',
  hasBody: false,
  parse(ctx) {
    return { maxResults: ctx.query.int('maxResults', 1, MAX_RESULTS, MAX_RESULTS), after: decodeToken(ctx.query.string('nextToken')) }
  },
  async handle(ctx, { maxResults, after }) {
    authorizeOrThrow(ctx, 'iot:ListRetainedMessages', '*')
    const all = (await readRetained(ctx, '#')).sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0))
    const rest = after === undefined ? all : all.filter((p) => p.topic > after)
    const page = rules.page(rest, maxResults) // [API-LIST-RETAINED]
    const body: Record<string, unknown> = {
      retainedTopics: page.map((p) => ({ topic: p.topic, payloadSize: p.payload.length, qos: p.qos, lastModifiedTime: ctx.deps.retainedTimes.get(p.topic) ?? 0 })),
    }
    if (rest.length > page.length) body.nextToken = Buffer.from(page[page.length - 1]!.topic, 'utf8').toString('base64url')
    sendOk(ctx, 'listed', body)
  },
})
