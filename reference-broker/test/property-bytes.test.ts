/**
 * MQTT 5 property input that mqtt-packet's parser reads leniently (a byte
 * property as `!== 0`, strings with U+FFFD for broken UTF-8), checked byte for
 * byte before the gate uses the packet (property-bytes.ts): a boolean property
 * other than 0 or 1 and a property a client may not send in that packet are a
 * Protocol Error (0x82); a string property, User Property name or value, or
 * Will Topic that is not well-formed UTF-8 or holds U+0000 is a Malformed
 * Packet (0x81) [MQTT5-1.5.4-1] [MQTT5-1.5.4-2] [MQTT5-1.5.7-1]. Each over a
 * real socket: CONNECT gets CONNACK with the code, a connected client
 * DISCONNECT with it, and a client pair connected before keeps working.
 */
import { describe, expect, it } from 'vitest'
import { broker, client, collect, raw, rawConnected, uid } from './helpers.js'
import { frame, healthyPair } from './fuzz/index.js'
import { propertyBytesProblem, utf8Problem } from '../property-bytes.js'
import { encode } from '../mqtt-codec.js'

const MALFORMED = 0x81
const PROTOCOL_ERROR = 0x82

const varInt = (n: number) => { const out: number[] = []; do { let b = n % 128; n = Math.floor(n / 128); if (n > 0) b |= 0x80; out.push(b) } while (n > 0); return Buffer.from(out) }
const str = (b: Buffer | string) => { const bytes = typeof b === 'string' ? Buffer.from(b) : b; return Buffer.concat([Buffer.from([bytes.length >> 8, bytes.length & 0xff]), bytes]) }
const props = (...entries: Buffer[]) => { const body = Buffer.concat(entries); return Buffer.concat([varInt(body.length), body]) }
const prop = (id: number, ...value: (Buffer | number[])[]) => Buffer.concat([Buffer.from([id]), ...value.map((v) => (Buffer.isBuffer(v) ? v : Buffer.from(v)))])

/** Bytes that are not well-formed UTF-8: a lone continuation byte, an encoded surrogate, an overlong '/'. */
const BAD_UTF8 = { stray: Buffer.from([0x61, 0x80, 0x62]), surrogate: Buffer.from([0xed, 0xa0, 0x80]), overlong: Buffer.from([0xc0, 0xaf]) }
const NUL = Buffer.from([0x61, 0x00, 0x62])

/** An MQTT 5 CONNECT (Clean Start) with these CONNECT properties and, optionally, a Will. */
function connect(own: Buffer, will?: { props: Buffer; topic: Buffer }): Buffer {
  const flags = will ? 0x06 : 0x02
  return frame(0x10, str('MQTT'), [5, flags, 0, 30], own, str(uid('pb')), ...(will ? [will.props, str(will.topic), str('bye')] : []))
}

/** An MQTT 5 QoS 0 PUBLISH with these properties. */
const publish = (own: Buffer, topic = 'pb/t') => frame(0x30, str(topic), own, Buffer.from('x'))

const connectCases: [string, Buffer, number][] = [
  ['Request Problem Information 2', connect(props(prop(0x17, [2]))), PROTOCOL_ERROR],
  ['Request Response Information 2', connect(props(prop(0x19, [2]))), PROTOCOL_ERROR],
  ['Topic Alias in CONNECT', connect(props(prop(0x23, [0, 1]))), PROTOCOL_ERROR],
  ['Payload Format Indicator in CONNECT (Will properties only)', connect(props(prop(0x01, [1]))), PROTOCOL_ERROR],
  ['Will Payload Format Indicator 2', connect(props(), { props: props(prop(0x01, [2])), topic: Buffer.from('w/t') }), PROTOCOL_ERROR],
  ['Will Delay Interval in CONNECT properties (Will properties only)', connect(props(prop(0x18, [0, 0, 0, 5]))), PROTOCOL_ERROR],
  ['Authentication Method not UTF-8', connect(props(prop(0x15, str(BAD_UTF8.stray)))), MALFORMED],
  ['User Property name not UTF-8', connect(props(prop(0x26, str(BAD_UTF8.surrogate), str('v')))), MALFORMED],
  ['User Property value with U+0000', connect(props(prop(0x26, str('k'), str(NUL)))), MALFORMED],
  ['Will Content Type not UTF-8', connect(props(), { props: props(prop(0x03, str(BAD_UTF8.overlong))), topic: Buffer.from('w/t') }), MALFORMED],
  ['Will Response Topic with U+0000', connect(props(), { props: props(prop(0x08, str(NUL))), topic: Buffer.from('w/t') }), MALFORMED],
  ['Will Topic not UTF-8 [MQTT5-3.1.3-11]', connect(props(), { props: props(), topic: BAD_UTF8.stray }), MALFORMED],
]

const connectedCases: [string, Buffer, number][] = [
  ['PUBLISH Payload Format Indicator 2', publish(props(prop(0x01, [2]))), PROTOCOL_ERROR],
  ['PUBLISH with Session Expiry Interval (CONNECT and DISCONNECT only)', publish(props(prop(0x11, [0, 0, 0, 9]))), PROTOCOL_ERROR],
  ['PUBLISH with Request Problem Information (CONNECT only)', publish(props(prop(0x17, [1]))), PROTOCOL_ERROR],
  ['PUBLISH Content Type not UTF-8', publish(props(prop(0x03, str(BAD_UTF8.stray)))), MALFORMED],
  ['PUBLISH Response Topic an encoded surrogate', publish(props(prop(0x08, str(BAD_UTF8.surrogate)))), MALFORMED],
  ['PUBLISH User Property value not UTF-8', publish(props(prop(0x26, str('k'), str(BAD_UTF8.overlong)))), MALFORMED],
  ['SUBSCRIBE with Topic Alias', frame(0x82, [0, 5], props(prop(0x23, [0, 1])), str('pb/#'), [0]), PROTOCOL_ERROR],
  ['UNSUBSCRIBE User Property name with U+0000', frame(0xa2, [0, 6], props(prop(0x26, str(NUL), str('v'))), str('pb/#')), MALFORMED],
  ['PUBACK Reason String not UTF-8', frame(0x40, [0, 7, 0x10], props(prop(0x1f, str(BAD_UTF8.stray)))), MALFORMED],
]

describe('propertyBytesProblem: the byte walker on its own, with the detail the client is told', () => {
  const malformed = (detail: string) => ({ code: MALFORMED, reason: 'malformed-packet', detail })
  const protocolError = (detail: string) => ({ code: PROTOCOL_ERROR, reason: 'protocol-error', detail })
  /** A property section whose length prefix says `length` but holds `body`. */
  const section = (length: number, body: Buffer | number[]) => Buffer.concat([varInt(length), Buffer.from(body)])

  it('reads every value type to its end and says which property is cut short', () => {
    const cut: [Buffer, string][] = [
      [prop(0x01), 'Payload Format Indicator is cut short'], // byte
      [prop(0x23, [0]), 'Topic Alias is cut short'], // int16
      [prop(0x02, [0, 0, 1]), 'Message Expiry Interval is cut short'], // int32
      [prop(0x0b, [0x80]), 'Subscription Identifier is cut short'], // var
      [prop(0x09, [0, 3, 1]), 'Correlation Data is cut short'], // binary
      [prop(0x03, [0, 5, 0x61]), 'Content Type is cut short'], // string
      [prop(0x26, [0, 2, 0x61]), 'User Property name is cut short'], // pair
      [prop(0x26, str('k'), [0, 2]), 'User Property value is cut short'],
    ]
    for (const [body, detail] of cut) expect(propertyBytesProblem(publish(props(body)))).toEqual(malformed(detail))
    // The same values whole pass.
    const whole = props(prop(0x01, [1]), prop(0x23, [0, 1]), prop(0x02, [0, 0, 0, 9]), prop(0x0b, [0x80, 0x01]), prop(0x09, str('cd')), prop(0x03, str('a/b')), prop(0x26, str('k'), str('v')))
    expect(propertyBytesProblem(publish(whole))).toBeNull()
  })

  it('refuses a section longer than the packet, an unknown or unreadable identifier, and a Variable Byte Integer of five bytes', () => {
    expect(propertyBytesProblem(publish(section(9, [0x01, 0x01])))).toEqual(malformed('publish property length runs past the packet'))
    expect(propertyBytesProblem(publish(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x01])))).toEqual(malformed('publish property length runs past the packet'))
    expect(propertyBytesProblem(publish(props(prop(0x05, [0]))))).toEqual(malformed('unknown property identifier 5 in publish'))
    expect(propertyBytesProblem(publish(props(Buffer.from([0x80]))))).toEqual(malformed('unknown property identifier ? in publish'))
    expect(propertyBytesProblem(publish(props(Buffer.from([0x81, 0x80, 0x80, 0x80, 0x01]))))).toEqual(malformed('unknown property identifier ? in publish'))
  })

  it('names the packet, or the Will properties, a property is not allowed in', () => {
    expect(propertyBytesProblem(publish(props(prop(0x11, [0, 0, 0, 1]))))).toEqual(protocolError('Session Expiry Interval is not allowed in PUBLISH'))
    expect(propertyBytesProblem(connect(props(), { props: props(prop(0x11, [0, 0, 0, 1])), topic: Buffer.from('w/t') }))).toEqual(protocolError('Session Expiry Interval is not allowed in the Will properties'))
    expect(propertyBytesProblem(connect(props(prop(0x23, [0, 1]))))).toEqual(protocolError('Topic Alias is not allowed in CONNECT'))
    expect(propertyBytesProblem(frame(0x40, [0, 7, 0x10], props(prop(0x11, [0, 0, 0, 1]))))).toEqual(protocolError('Session Expiry Interval is not allowed in PUBACK'))
    expect(propertyBytesProblem(frame(0x50, [0, 7, 0x10], props(prop(0x23, [0, 1]))))).toEqual(protocolError('Topic Alias is not allowed in PUBREC'))
    expect(propertyBytesProblem(frame(0x62, [0, 7, 0x92], props(prop(0x23, [0, 1]))))).toEqual(protocolError('Topic Alias is not allowed in PUBREL'))
    expect(propertyBytesProblem(frame(0x70, [0, 7, 0x92], props(prop(0x23, [0, 1]))))).toEqual(protocolError('Topic Alias is not allowed in PUBCOMP'))
    expect(propertyBytesProblem(frame(0x82, [0, 5], props(prop(0x23, [0, 1])), str('a/#'), [0]))).toEqual(protocolError('Topic Alias is not allowed in SUBSCRIBE'))
    expect(propertyBytesProblem(frame(0xa2, [0, 5], props(prop(0x0b, [1])), str('a/#')))).toEqual(protocolError('Subscription Identifier is not allowed in UNSUBSCRIBE'))
    expect(propertyBytesProblem(frame(0xe0, [0x04], props(prop(0x23, [0, 1]))))).toEqual(protocolError('Topic Alias is not allowed in DISCONNECT'))
    expect(propertyBytesProblem(frame(0xf0, [0x18], props(prop(0x23, [0, 1]))))).toEqual(protocolError('Topic Alias is not allowed in AUTH'))
    // What each packet may carry passes.
    expect(propertyBytesProblem(frame(0x50, [0, 7, 0x10], props(prop(0x1f, str('why')))))).toBeNull()
    expect(propertyBytesProblem(frame(0x82, [0, 5], props(prop(0x0b, [1])), str('a/#'), [0]))).toBeNull()
    expect(propertyBytesProblem(frame(0xe0, [0x04], props(prop(0x11, [0, 0, 0, 1]), prop(0x1c, str('other')))))).toBeNull()
    expect(propertyBytesProblem(frame(0xf0, [0x18], props(prop(0x15, str('m')), prop(0x16, str('d')))))).toBeNull()
  })

  it('takes 0 and 1 for a boolean byte, and names the value otherwise', () => {
    expect(propertyBytesProblem(publish(props(prop(0x01, [0]))))).toBeNull()
    expect(propertyBytesProblem(publish(props(prop(0x01, [1]))))).toBeNull()
    expect(propertyBytesProblem(publish(props(prop(0x01, [2]))))).toEqual(protocolError('Payload Format Indicator is 2, not 0 or 1'))
    expect(propertyBytesProblem(connect(props(prop(0x17, [255]))))).toEqual(protocolError('Request Problem Information is 255, not 0 or 1'))
  })

  it('says which string is broken and how', () => {
    expect(propertyBytesProblem(publish(props(prop(0x03, str(BAD_UTF8.stray)))))).toEqual(malformed('Content Type is not well-formed UTF-8'))
    expect(propertyBytesProblem(publish(props(prop(0x08, str(NUL)))))).toEqual(malformed('Response Topic holds U+0000'))
    expect(propertyBytesProblem(publish(props(prop(0x26, str(BAD_UTF8.overlong), str('v')))))).toEqual(malformed('User Property name is not well-formed UTF-8'))
    expect(propertyBytesProblem(publish(props(prop(0x26, str('k'), str(NUL)))))).toEqual(malformed('User Property value holds U+0000'))
    // A good pair before a bad one: every pair is read.
    expect(propertyBytesProblem(publish(props(prop(0x26, str('k'), str('v')), prop(0x26, str('k'), str(NUL)))))).toEqual(malformed('User Property value holds U+0000'))
    expect(propertyBytesProblem(connect(props(), { props: props(), topic: BAD_UTF8.surrogate }))).toEqual(malformed('Will Topic is not well-formed UTF-8'))
    expect(propertyBytesProblem(connect(props(), { props: props(), topic: NUL }))).toEqual(malformed('Will Topic holds U+0000'))
  })

  it('walks CONNECT past its own properties and the client id to the Will, only when the Will flag is set', () => {
    // The Will flag clear: what follows the client id is not read as Will properties.
    const noWill = frame(0x10, str('MQTT'), [5, 0x02, 0, 30], props(), str('c'), props(prop(0x11, [0, 0, 0, 1])))
    expect(propertyBytesProblem(noWill)).toBeNull()
    // A problem in the CONNECT's own properties is found before the Will's.
    expect(propertyBytesProblem(connect(props(prop(0x01, [1])), { props: props(prop(0x01, [2])), topic: Buffer.from('w') }))).toEqual(protocolError('Payload Format Indicator is not allowed in CONNECT'))
    // An MQTT 3.1.1 CONNECT has no properties to walk.
    expect(propertyBytesProblem(frame(0x10, str('MQTT'), [4, 0x02, 0, 30], [0x01, 0x02], str('c')))).toBeNull()
  })

  it('reads a QoS 1 PUBLISH past its packet id, and acknowledgements, DISCONNECT and AUTH only when they carry properties', () => {
    const qos1 = (own: Buffer) => frame(0x32, str('a/b'), [0, 9], own, Buffer.from('x'))
    expect(propertyBytesProblem(qos1(props(prop(0x01, [2]))))).toEqual(protocolError('Payload Format Indicator is 2, not 0 or 1'))
    expect(propertyBytesProblem(qos1(props(prop(0x01, [1]))))).toBeNull()
    // QoS 0: no packet id; the bytes after the topic are the properties.
    expect(propertyBytesProblem(frame(0x30, str('a/b'), props(prop(0x01, [2])), Buffer.from('x')))).toEqual(protocolError('Payload Format Indicator is 2, not 0 or 1'))
    expect(propertyBytesProblem(frame(0x40, [0, 7]))).toBeNull()
    expect(propertyBytesProblem(frame(0x40, [0, 7, 0x10]))).toBeNull()
    expect(propertyBytesProblem(frame(0xe0, []))).toBeNull()
    expect(propertyBytesProblem(frame(0xe0, [0x04]))).toBeNull()
    expect(propertyBytesProblem(frame(0xc0, []))).toBeNull() // PINGREQ
    expect(propertyBytesProblem(Buffer.from([0x30]))).toBeNull()
  })
})

describe('MQTT 5 property bytes: CONNECT gets CONNACK with the code', () => {
  it.each(connectCases.map(([name, bytes, code]) => [`${name} → CONNACK 0x${code.toString(16)}`, bytes, code] as const))('%s', async (_name, bytes, code) => {
    const b = await broker()
    const pair = await healthyPair(b.urls.mqtt!)
    const c = await raw(b.urls.mqtt!, 5)
    c.sendBytes(bytes)
    const connack = await c.next((p) => p.cmd === 'connack', 3000)
    expect(connack.reasonCode).toBe(code)
    await c.waitClosed(3000)
    await pair.roundTrip()
    pair.close()
  })
})

describe('MQTT 5 property bytes: a connected client gets DISCONNECT with the code', () => {
  it.each(connectedCases.map(([name, bytes, code]) => [`${name} → DISCONNECT 0x${code.toString(16)}`, bytes, code] as const))('%s', async (_name, bytes, code) => {
    const b = await broker()
    const pair = await healthyPair(b.urls.mqtt!)
    const { c } = await rawConnected(b.urls.mqtt!, 5)
    c.sendBytes(bytes)
    const disconnect = await c.next((p) => p.cmd === 'disconnect', 3000)
    expect(disconnect.reasonCode).toBe(code)
    await c.waitClosed(3000)
    await pair.roundTrip()
    pair.close()
  })
})

describe('MQTT 5 property bytes: valid input passes', () => {
  it('Payload Format Indicator 1, multi-byte UTF-8 and U+FEFF in Content Type, Response Topic and User Properties reach the subscriber unchanged', async () => {
    const b = await broker()
    const sub = await client(b.urls.mqtt!, { protocolVersion: 5 })
    const got = collect(sub)
    await sub.subscribeAsync('pb/ok', { qos: 0 })
    const { c } = await rawConnected(b.urls.mqtt!, 5)
    const contentType = 'tëxt/plain; 名前=\uFEFF値'
    c.sendBytes(publish(props(prop(0x01, [1]), prop(0x03, str(contentType)), prop(0x08, str('pb/réponse')), prop(0x26, str('ключ'), str('значение'))), 'pb/ok'))
    await got.waitFor(1)
    const p = got.messages[0]!.packet.properties!
    expect(p.payloadFormatIndicator).toBe(true)
    expect(p.contentType).toBe(contentType)
    expect(p.responseTopic).toBe('pb/réponse')
    expect(p.userProperties).toEqual({ ключ: 'значение' })
  })

  it('the byte walker: MQTT 3.1.1 frames and valid MQTT 5 frames have no problem; the UTF-8 rule on its own', () => {
    expect(propertyBytesProblem(encode({ cmd: 'publish', topic: 'a', payload: Buffer.from('x'), qos: 1, messageId: 3, retain: false, dup: false, properties: { payloadFormatIndicator: true, userProperties: { a: ['1', '2'] } } } as never, 5))).toBeNull()
    expect(propertyBytesProblem(encode({ cmd: 'connect', protocolVersion: 5, clientId: 'x', clean: true, keepalive: 30, properties: { sessionExpiryInterval: 10, requestProblemInformation: true }, will: { topic: 'w', payload: Buffer.from('p'), qos: 0, retain: false, properties: { willDelayInterval: 3, contentType: 'a/b' } } } as never, 5))).toBeNull()
    expect(propertyBytesProblem(encode({ cmd: 'disconnect', reasonCode: 0, properties: { sessionExpiryInterval: 0, reasonString: 'bye' } } as never, 5))).toBeNull()
    expect(propertyBytesProblem(encode({ cmd: 'connect', protocolVersion: 4, clientId: 'x', clean: true, keepalive: 30 } as never, 4))).toBeNull()
    expect(utf8Problem(Buffer.from('plain'))).toBeNull()
    expect(utf8Problem(Buffer.from('ü€𝄞'))).toBeNull()
    expect(utf8Problem(BAD_UTF8.stray)).toMatch(/UTF-8/)
    expect(utf8Problem(BAD_UTF8.surrogate)).toMatch(/UTF-8/)
    expect(utf8Problem(NUL)).toMatch(/U\+0000/)
    expect(utf8Problem(Buffer.from('ü\u0000'))).toMatch(/U\+0000/)
  })
})
