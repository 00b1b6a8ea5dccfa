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
import { healthyPair } from './fuzz/index.js'
import { BAD_UTF8, MALFORMED, NUL, PROTOCOL_ERROR, connect, frame, prop, props, publish, str } from './property-frames.js'


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
})
