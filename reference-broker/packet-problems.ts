import { RC } from './reason-codes.js'

/**
 * What is wrong with a decoded client packet that mqtt-packet's parser let
 * through, or null. The gate asks before it forwards or re-encodes a packet:
 * aedes and the encoder assume well-formed packets, and a throw from either
 * would otherwise end the connection without the protocol's answer.
 *
 * `code` is the MQTT 5 reason code (0x81 Malformed Packet, 0x82 Protocol
 * Error); MQTT 3.1.1 connections are closed.
 */
export interface PacketProblem {
  code: number
  reason: string
  detail: string
}

/**
 * MQTT 5 properties that may appear more than once in one packet: User Property
 * everywhere, Subscription Identifier only in a PUBLISH (server to client).
 * Any other one twice is a Protocol Error [MQTT-2.2.2-2] (mqtt-packet turns a
 * repeated property into an array).
 */
const REPEATABLE = new Set(['userProperties', 'subscriptionIdentifier'])

function propertiesProblem(props: unknown, where: string): PacketProblem | null {
  if (props === undefined || props === null) return null
  if (typeof props !== 'object') return { code: RC.MALFORMED_PACKET, reason: 'malformed-packet', detail: `${where}: properties unreadable` }
  for (const [name, value] of Object.entries(props as Record<string, unknown>)) {
    if (Array.isArray(value) && !REPEATABLE.has(name)) {
      return { code: RC.PROTOCOL_ERROR, reason: 'property-repeated', detail: `${where}: property ${name} appears more than once` }
    }
    if (value === null || value === undefined || (typeof value === 'number' && !Number.isFinite(value))) {
      return { code: RC.MALFORMED_PACKET, reason: 'malformed-packet', detail: `${where}: property ${name} has no readable value` }
    }
    if (name === 'userProperties') {
      // A User Property is a UTF-8 string pair [MQTT-1.5.7-1]: both halves present.
      for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
        for (const item of Array.isArray(v) ? v : [v]) {
          if (typeof item !== 'string') return { code: RC.MALFORMED_PACKET, reason: 'malformed-packet', detail: `${where}: user property ${JSON.stringify(key)} has no string value` }
        }
      }
    }
  }
  return null
}

function stringProblem(value: unknown, what: string): PacketProblem | null {
  return typeof value === 'string' ? null : { code: RC.MALFORMED_PACKET, reason: 'malformed-packet', detail: `${what} is not a UTF-8 string` }
}

type Check = (packet: Record<string, any>) => PacketProblem | null

/** Per packet type (mqtt-packet's `cmd`), the checks beyond what the parser enforces. */
const CHECKS: Record<string, Check> = {
  connect: (p) => {
    const problem = stringProblem(p.clientId, 'client identifier') ?? propertiesProblem(p.properties, 'CONNECT')
    if (problem) return problem
    if (p.will) return stringProblem(p.will.topic, 'will topic') ?? propertiesProblem(p.will.properties, 'will')
    return null
  },
  publish: (p) => stringProblem(p.topic, 'topic name') ?? propertiesProblem(p.properties, 'PUBLISH'),
  subscribe: (p) => {
    const subs = p.subscriptions as unknown[] | undefined
    // [MQTT-3.8.3-3] at least one topic filter.
    if (!Array.isArray(subs) || subs.length === 0) return { code: RC.PROTOCOL_ERROR, reason: 'subscribe-without-filters', detail: 'SUBSCRIBE carries no topic filter' }
    for (const s of subs as Record<string, unknown>[]) {
      const problem = stringProblem(s?.topic, 'topic filter')
      if (problem) return problem
    }
    return propertiesProblem(p.properties, 'SUBSCRIBE')
  },
  unsubscribe: (p) => {
    const topics = p.unsubscriptions as unknown[] | undefined
    // [MQTT-3.10.3-2] at least one topic filter.
    if (!Array.isArray(topics) || topics.length === 0) return { code: RC.PROTOCOL_ERROR, reason: 'unsubscribe-without-filters', detail: 'UNSUBSCRIBE carries no topic filter' }
    for (const t of topics) {
      const problem = stringProblem(t, 'topic filter')
      if (problem) return problem
    }
    return propertiesProblem(p.properties, 'UNSUBSCRIBE')
  },
}

/** Problems any packet type can have: its properties (MQTT 5). */
const GENERIC: Check = (p) => propertiesProblem(p.properties, String(p.cmd ?? 'packet').toUpperCase())

export function packetProblem(packet: Record<string, any>): PacketProblem | null {
  return (CHECKS[packet.cmd as string] ?? GENERIC)(packet)
}
