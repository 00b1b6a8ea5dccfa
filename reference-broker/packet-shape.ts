import { RC } from './reason-codes.js'

/** What is wrong with a decoded client packet, and the MQTT 5 reason code that says so. */
export interface ShapeProblem {
  code: typeof RC.MALFORMED_PACKET | typeof RC.PROTOCOL_ERROR
  reason: 'malformed-packet' | 'protocol-error'
  detail: string
}

type Kind = 'int8' | 'int16' | 'int32' | 'var' | 'bool' | 'string' | 'binary' | 'pairs'

/** MQTT 5 properties by mqtt-packet's name, with the value type its parser produces. */
const PROPERTY_KINDS: Record<string, Kind> = {
  payloadFormatIndicator: 'bool', messageExpiryInterval: 'int32', contentType: 'string', responseTopic: 'string',
  correlationData: 'binary', subscriptionIdentifier: 'var', sessionExpiryInterval: 'int32', assignedClientIdentifier: 'string',
  serverKeepAlive: 'int16', authenticationMethod: 'string', authenticationData: 'binary', requestProblemInformation: 'bool',
  willDelayInterval: 'int32', requestResponseInformation: 'bool', responseInformation: 'string', serverReference: 'string',
  reasonString: 'string', receiveMaximum: 'int16', topicAliasMaximum: 'int16', topicAlias: 'int16', maximumQoS: 'int8',
  retainAvailable: 'bool', userProperties: 'pairs', maximumPacketSize: 'int32', wildcardSubscriptionAvailable: 'bool',
  subscriptionIdentifiersAvailable: 'bool', sharedSubscriptionAvailable: 'bool',
}

const MAX: Record<'int8' | 'int16' | 'int32' | 'var', number> = { int8: 0xff, int16: 0xffff, int32: 0xffffffff, var: 268_435_455 }

const ZERO_IS_PROTOCOL_ERROR = new Set(['receiveMaximum', 'maximumPacketSize', 'subscriptionIdentifier'])

const malformed = (detail: string): ShapeProblem => ({ code: RC.MALFORMED_PACKET, reason: 'malformed-packet', detail })
const protocolError = (detail: string): ShapeProblem => ({ code: RC.PROTOCOL_ERROR, reason: 'protocol-error', detail })

/**
 * mqtt-packet's parser lets through packets the standard calls malformed: a
 * property that is cut short becomes null or -1, a repeated property becomes
 * an array, a SUBSCRIBE may carry no filter. Anything built from such a value
 * (the gate's re-encoding, aedes' timers: aedes defect 11) would throw far from the client that
 * sent it, so every decoded client packet is checked here first and refused
 * with the reason code that fits [MQTT-1.5.4-1] [MQTT-2.2.2-2].
 */
export function shapeProblem(packet: Record<string, any>): ShapeProblem | null {
  const own = propertiesProblem(packet.properties, packet.cmd as string)
  if (own) return own
  switch (packet.cmd) {
    case 'connect': {
      if (typeof packet.clientId !== 'string') return malformed('client identifier is not a string')
      const will = packet.will as Record<string, any> | undefined | null
      if (will) {
        if (typeof will.topic !== 'string') return malformed('will topic is not a string')
        if (will.payload !== undefined && !Buffer.isBuffer(will.payload)) return malformed('will payload is not binary data')
        const p = propertiesProblem(will.properties, 'will')
        if (p) return p
      }
      if (packet.username !== undefined && typeof packet.username !== 'string') return malformed('user name is not a string')
      if (packet.password !== undefined && !Buffer.isBuffer(packet.password)) return malformed('password is not binary data')
      return null
    }
    case 'publish':
      if (typeof packet.topic !== 'string') return malformed('topic name is not a string')
      // [MQTT-3.3.4-6] a client's PUBLISH carries no Subscription Identifier.
      if (packet.properties?.subscriptionIdentifier !== undefined) return protocolError('PUBLISH from a client carries a Subscription Identifier')
      return messageIdProblem(packet, packet.qos > 0)
    case 'subscribe': {
      const subs = packet.subscriptions as unknown
      // [MQTT-3.8.3-3] (3.1.1) [MQTT-3.8.3-2] (5): at least one filter.
      if (!Array.isArray(subs) || subs.length === 0) return protocolError('SUBSCRIBE without a topic filter')
      for (const s of subs as Record<string, unknown>[]) {
        if (typeof s?.topic !== 'string') return malformed('topic filter is not a string')
        if (typeof s.qos !== 'number' || s.qos < 0 || s.qos > 2) return malformed('subscription QoS is not 0, 1 or 2')
      }
      return messageIdProblem(packet, true)
    }
    case 'unsubscribe': {
      const topics = packet.unsubscriptions as unknown
      // [MQTT-3.10.3-2] at least one filter.
      if (!Array.isArray(topics) || topics.length === 0) return protocolError('UNSUBSCRIBE without a topic filter')
      if (!topics.every((t) => typeof t === 'string')) return malformed('topic filter is not a string')
      return messageIdProblem(packet, true)
    }
    case 'puback': case 'pubrec': case 'pubrel': case 'pubcomp':
      return messageIdProblem(packet, true)
    default:
      return null
  }
}

function messageIdProblem(packet: Record<string, any>, required: boolean): ShapeProblem | null {
  if (!required) return null
  const id = packet.messageId as unknown
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > 0xffff) return malformed('packet identifier is missing')
  return null
}

function propertiesProblem(props: unknown, where: string): ShapeProblem | null {
  if (props === undefined || props === null) return null
  if (typeof props !== 'object') return malformed(`${where} properties are not a property list`)
  for (const [name, value] of Object.entries(props as Record<string, unknown>)) {
    const kind = PROPERTY_KINDS[name]
    if (kind === undefined) return malformed(`unknown property ${name}`)
    if (kind === 'pairs') {
      if (value === null || typeof value !== 'object') return malformed('user properties are not name/value pairs')
      for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
        for (const one of Array.isArray(v) ? v : [v]) if (typeof one !== 'string') return malformed(`user property ${key} has no value`)
      }
      continue
    }
    // Only the User Property may appear more than once in a client packet [MQTT-3.1.2-*] [MQTT-3.3.2-*].
    if (Array.isArray(value)) return protocolError(`property ${name} appears more than once`)
    if (kind === 'string' && typeof value !== 'string') return malformed(`property ${name} is cut short`)
    if (kind === 'binary' && !Buffer.isBuffer(value)) return malformed(`property ${name} is cut short`)
    if (kind === 'bool' && typeof value !== 'boolean') return malformed(`property ${name} is not 0 or 1`)
    if (kind === 'int8' || kind === 'int16' || kind === 'int32' || kind === 'var') {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX[kind]) return malformed(`property ${name} is cut short`)
      // [MQTT-3.1.2-*] Receive Maximum and Maximum Packet Size 0, Subscription Identifier 0 [MQTT-3.8.2.1.2].
      if (value === 0 && ZERO_IS_PROTOCOL_ERROR.has(name)) return protocolError(`property ${name} is 0`)
    }
  }
  return null
}
