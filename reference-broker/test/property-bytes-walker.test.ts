/**
 * The byte walker of property-bytes.ts on its own, in milliseconds: every value type read to
 * its end, the bounds of a section and of the frame, the packet a property is not allowed in,
 * and the exact detail the client is told (the reason string of the CONNACK or DISCONNECT)
 * [MQTT5-1.5.4-1] [MQTT5-1.5.4-2] [MQTT5-1.5.7-1]. property-bytes.test.ts checks the same
 * rules over real sockets.
 */
import { describe, expect, it } from 'vitest'
import { propertyBytesProblem, utf8Problem } from '../property-bytes.js'
import { encode } from '../mqtt-codec.js'
import { BAD_UTF8, MALFORMED, NUL, PROTOCOL_ERROR, connect, frame, prop, props, publish, str, varInt } from './property-frames.js'

describe('propertyBytesProblem', () => {
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

  it('reads values that end exactly at the end of the section or of the frame', () => {
    expect(propertyBytesProblem(publish(props(prop(0x23, [0, 1]))))).toBeNull()
    expect(propertyBytesProblem(publish(props(prop(0x02, [0, 0, 0, 9]))))).toBeNull()
    expect(propertyBytesProblem(publish(props(prop(0x03, str('')))))).toBeNull()
    // A frame that stops inside a length prefix (no payload after the properties).
    expect(propertyBytesProblem(frame(0x30, str('a/b'), props(prop(0x03, [0]))))).toEqual(malformed('Content Type is cut short'))
  })

  it('reads multi-byte lengths: a section over 127 bytes in a frame over 127 bytes', () => {
    const long = props(prop(0x26, str('k'), str('v'.repeat(200))), prop(0x01, [1]))
    expect(long[0]! & 0x80).toBe(0x80)
    expect(propertyBytesProblem(publish(long))).toBeNull()
    expect(propertyBytesProblem(publish(props(prop(0x26, str('k'), str('v'.repeat(200))), prop(0x01, [2]))))).toEqual(protocolError('Payload Format Indicator is 2, not 0 or 1'))
    expect(propertyBytesProblem(frame(0x30, str('a/b'), props(prop(0x01, [2])), Buffer.alloc(300, 0x61)))).toEqual(protocolError('Payload Format Indicator is 2, not 0 or 1'))
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

  it('takes any bytes in a binary property (Correlation Data, Authentication Data): only strings must be UTF-8', () => {
    expect(propertyBytesProblem(publish(props(prop(0x09, str(Buffer.from([0xff, 0x00, 0xc0]))))))).toBeNull()
    expect(propertyBytesProblem(connect(props(prop(0x15, str('m')), prop(0x16, str(BAD_UTF8.surrogate)))))).toBeNull()
  })

  it('leaves a CONNECT cut inside its protocol name to the decoder', () => {
    // Name length 0x0500 runs past the frame; the bytes after it must not be read as level 5 and properties.
    expect(propertyBytesProblem(frame(0x10, [0x05, 0x00, 0, 30], props(prop(0x01, [2]))))).toBeNull()
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
    // An MQTT 3.1.1 CONNECT has no properties to walk (a client id of 0x111 bytes would read as a cut Session Expiry).
    expect(propertyBytesProblem(frame(0x10, str('MQTT'), [4, 0x02, 0, 30], str('c'.repeat(0x111))))).toBeNull()
    // The Will flag set but the frame ends before the Will Topic: left to the decoder.
    expect(propertyBytesProblem(frame(0x10, str('MQTT'), [5, 0x06, 0, 30], props(), str('c'), props()))).toBeNull()
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
