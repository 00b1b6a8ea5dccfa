import type http from 'node:http'
import { AWS_MEASURES, type Measures } from '../measures.js'
import { invalidRequest } from './api-error.js'

/** One user property as the API carries it: a single-key object `{ "name": "value" }`. */
export type UserProperty = [name: string, value: string]

/** MQTT 5 PUBLISH properties in mqtt-packet's shape. */
export interface Mqtt5Properties {
  contentType?: string
  responseTopic?: string
  correlationData?: Buffer
  payloadFormatIndicator?: boolean
  messageExpiryInterval?: number
  userProperties?: Record<string, string | string[]>
}

/** How the data plane counts the MQTT 5 property quotas: as the MQTT side does (measures.ts, UTF-8 bytes) [M5-USER-PROPERTIES] [M5-PAYLOAD-FORMAT-CONTENT-TYPE]. */
export type PropertyMeasures = Pick<Measures, 'userPropertySize' | 'contentTypeSize'>

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name]
  return Array.isArray(v) ? v.join(',') : v
}

function base64(value: string, name: string): Buffer {
  const trimmed = value.trim()
  if (!BASE64.test(trimmed)) throw invalidRequest('invalid-mqtt5-header', `${name} must be base64`)
  return Buffer.from(trimmed, 'base64')
}

/**
 * `x-amz-mqtt5-user-properties`: base64 of a JSON array of single-key objects,
 * e.g. `[{"deviceName":"alpha"},{"deviceCnt":"45"}]` [DM-MQTT5-PROPERTIES-FORWARDED].
 * Any other shape (including `{name, value}` objects) is a 400.
 */
export function parseUserProperties(value: string, maxBytes: number, measures: PropertyMeasures = AWS_MEASURES): UserProperty[] {
  const name = 'x-amz-mqtt5-user-properties'
  let json: unknown
  try {
    json = JSON.parse(base64(value, name).toString('utf8'))
  } catch (err) {
    if (err instanceof SyntaxError) throw invalidRequest('invalid-mqtt5-header', `${name} must be base64 of a JSON array`)
    throw err
  }
  if (!Array.isArray(json)) throw invalidRequest('invalid-mqtt5-header', `${name} must be a JSON array of single-key objects`)
  const pairs: UserProperty[] = []
  let bytes = 0
  for (const item of json) {
    const entries = item !== null && typeof item === 'object' && !Array.isArray(item) ? Object.entries(item as object) : []
    const [k, v] = entries[0] ?? []
    if (entries.length !== 1 || typeof v !== 'string') {
      throw invalidRequest('invalid-mqtt5-header', `${name}: each element must be an object with one string property`)
    }
    bytes += measures.userPropertySize(k!, v) // counted as an MQTT PUBLISH's [M5-USER-PROPERTIES]
    pairs.push([k!, v])
  }
  if (bytes > maxBytes) throw invalidRequest('invalid-mqtt5-header', `${name} exceed ${maxBytes} bytes`)
  return pairs
}

/**
 * mqtt-packet's user-property map. Pairs with the same name become one array,
 * so they keep their relative order but are grouped (the encoder writes one
 * name's values together); distinct names keep their order. A null-prototype
 * object keeps names like `__proto__` as plain keys.
 */
export function userPropertyMap(pairs: readonly UserProperty[]): Record<string, string | string[]> {
  const map = Object.create(null) as Record<string, string | string[]>
  for (const [k, v] of pairs) {
    const prev = map[k]
    map[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v]
  }
  return map
}

/**
 * The `contentType` query parameter, within the Content Type quota as an MQTT
 * PUBLISH's is [M5-PAYLOAD-FORMAT-CONTENT-TYPE]: a longer one is a 400.
 */
export function checkContentType(value: string | undefined, maxBytes: number, measures: PropertyMeasures = AWS_MEASURES): string | undefined {
  if (!value) return undefined
  if (measures.contentTypeSize(value) > maxBytes) throw invalidRequest('invalid-content-type', `contentType exceeds ${maxBytes} bytes`)
  return value
}

/** The `x-amz-mqtt5-*` headers of a request, validated [DM-MQTT5-PROPERTIES-FORWARDED] [HTTP-MQTT5-PROPERTIES] [M5-USER-PROPERTIES]. */
export function parseMqtt5Headers(req: http.IncomingMessage, userPropertiesMaxBytes: number, measures: PropertyMeasures = AWS_MEASURES): { properties: Mqtt5Properties; userProperties: UserProperty[] } {
  const properties: Mqtt5Properties = {}
  let userProperties: UserProperty[] = []
  const up = header(req, 'x-amz-mqtt5-user-properties')
  if (up !== undefined) {
    userProperties = parseUserProperties(up, userPropertiesMaxBytes, measures)
    if (userProperties.length > 0) properties.userProperties = userPropertyMap(userProperties)
  }
  const pfi = header(req, 'x-amz-mqtt5-payload-format-indicator')
  if (pfi !== undefined) {
    if (pfi !== 'UNSPECIFIED_BYTES' && pfi !== 'UTF8_DATA') {
      throw invalidRequest('invalid-mqtt5-header', 'x-amz-mqtt5-payload-format-indicator must be UNSPECIFIED_BYTES or UTF8_DATA')
    }
    properties.payloadFormatIndicator = pfi === 'UTF8_DATA'
  }
  const cd = header(req, 'x-amz-mqtt5-correlation-data')
  if (cd !== undefined) properties.correlationData = base64(cd, 'x-amz-mqtt5-correlation-data')
  return { properties, userProperties }
}
