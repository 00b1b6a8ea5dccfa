/**
 * MQTT 5 frames built byte by byte for the property-bytes tests (property-bytes.test.ts over
 * sockets, property-bytes-walker.test.ts on the function): what an encoder would refuse to write.
 */
import { uid } from './helpers.js'
import { frame, varInt } from './fuzz/packets.js'

export const MALFORMED = 0x81
export const PROTOCOL_ERROR = 0x82

export { frame, varInt }
/** A length-prefixed field: an MQTT string or binary value. */
export const str = (b: Buffer | string) => { const bytes = typeof b === 'string' ? Buffer.from(b) : b; return Buffer.concat([Buffer.from([bytes.length >> 8, bytes.length & 0xff]), bytes]) }
/** A property section: its Variable Byte Integer length, then the properties. */
export const props = (...entries: Buffer[]) => { const body = Buffer.concat(entries); return Buffer.concat([varInt(body.length), body]) }
/** One property: its identifier, then its value bytes as given. */
export const prop = (id: number, ...value: (Buffer | number[])[]) => Buffer.concat([Buffer.from([id]), ...value.map((v) => (Buffer.isBuffer(v) ? v : Buffer.from(v)))])

/** Bytes that are not well-formed UTF-8: a lone continuation byte, an encoded surrogate, an overlong '/'. */
export const BAD_UTF8 = { stray: Buffer.from([0x61, 0x80, 0x62]), surrogate: Buffer.from([0xed, 0xa0, 0x80]), overlong: Buffer.from([0xc0, 0xaf]) }
export const NUL = Buffer.from([0x61, 0x00, 0x62])

/** An MQTT 5 CONNECT (Clean Start) with these CONNECT properties and, optionally, a Will. */
export function connect(own: Buffer, will?: { props: Buffer; topic: Buffer }): Buffer {
  const flags = will ? 0x06 : 0x02
  return frame(0x10, str('MQTT'), [5, flags, 0, 30], own, str(uid('pb')), ...(will ? [will.props, str(will.topic), str('bye')] : []))
}

/** An MQTT 5 QoS 0 PUBLISH with these properties. */
export const publish = (own: Buffer, topic = 'pb/t') => frame(0x30, str(topic), own, Buffer.from('x'))
