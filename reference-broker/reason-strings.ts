import { randomUUID } from 'node:crypto'

/** What AWS-style reason strings say for each DISCONNECT reason code the gate sends. */
const TEXT: Record<number, string> = {
  0x81: 'Malformed packet.',
  0x82: 'Protocol error.',
  0x8d: 'Keep alive timeout.',
  0x90: 'Topic name is invalid.',
  0x93: 'Receive maximum exceeded.',
  0x94: 'Topic alias is out of range.',
  0x95: 'Packet too large.',
  0x97: 'Quota exceeded.',
  0x98: 'Administrative action.',
  0x9b: 'QoS not supported.',
  0xa1: 'Subscription Id is not supported now.',
}

/**
 * The Reason String of a CONNACK refusing a CONNECT (plain-MQTT profiles, `connackReasonString`)
 * [MQTT5-3.2.2-19]: the code and the gate's reason, in the form of the SUBACK's
 * (`SUBACK: refused filter 2 0x8f`).
 */
export function connackReasonString(code: number, reason?: string): string {
  return `CONNACK: refused 0x${code.toString(16)}${reason ? ` (${reason})` : ''}`
}

/**
 * Every DISCONNECT the gate sends carries a reason string of the form AWS was
 * observed to send, `DISCONNECT:<text>:<trace id>` [M5-REASON-STRING-FORMAT]
 * [ALIAS-OUT-OF-RANGE-0x94]. A string that already has that prefix is kept;
 * a detail is appended to the standard text so the client sees why.
 */
export function awsReasonString(code: number, detail?: string): string {
  if (detail?.startsWith('DISCONNECT:')) return detail
  const base = TEXT[code] ?? 'Unspecified error.'
  const text = detail ? `${base.slice(0, -1)}: ${detail}.` : base
  return `DISCONNECT:${text}:${randomUUID()}`
}
