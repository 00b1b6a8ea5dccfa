import { describe, expect, it } from 'vitest'
import { FrameDecoder, encode } from '../mqtt-codec.js'
import { fitToMaximumPacketSize } from '../fit-packet-size.js'

const decode = (f: Buffer) => new FrameDecoder(5).decode(f) as Record<string, any>

describe('fitToMaximumPacketSize [MQTT5-3.4.2-2] [MQTT5-3.14.2-3]', () => {
  const puback = encode({ cmd: 'puback', messageId: 7, reasonCode: 0x87, properties: { reasonString: 'not authorized: iot:Publish', userProperties: { a: 'b' } } }, 5)

  it('leaves out Reason String and User Properties of an acknowledgement too large for the client', () => {
    const fitted = fitToMaximumPacketSize(puback, 24, new FrameDecoder(5))
    expect(fitted.length).toBeLessThanOrEqual(24)
    const p = decode(fitted)
    expect(p).toMatchObject({ cmd: 'puback', messageId: 7, reasonCode: 0x87 })
    expect(p.properties?.reasonString).toBeUndefined()
    expect(p.properties?.userProperties).toBeUndefined()
  })

  it('keeps a packet that fits, and any packet when the client gave no maximum', () => {
    expect(fitToMaximumPacketSize(puback, puback.length, new FrameDecoder(5))).toBe(puback)
    expect(fitToMaximumPacketSize(puback, undefined, new FrameDecoder(5))).toBe(puback)
  })

  it('does the same for a server DISCONNECT, and never touches a PUBLISH (the shaper drops those)', () => {
    const disconnect = encode({ cmd: 'disconnect', reasonCode: 0x81, properties: { reasonString: 'DISCONNECT:Malformed packet.:0000' } }, 5)
    const p = decode(fitToMaximumPacketSize(disconnect, 10, new FrameDecoder(5)))
    expect(p).toMatchObject({ cmd: 'disconnect', reasonCode: 0x81 })
    expect(p.properties?.reasonString).toBeUndefined()
    const publish = encode({ cmd: 'publish', topic: 't', payload: Buffer.alloc(50), qos: 0, retain: false, dup: false, properties: { userProperties: { a: 'b' } } }, 5)
    expect(fitToMaximumPacketSize(publish, 10, new FrameDecoder(5))).toBe(publish)
  })

  it('leaves a CONNACK\'s Reason String and User Properties out too: the CONNECT\'s maximum already applies to it [MQTT5-3.2.2-19] [MQTT5-3.2.2-20]', () => {
    const connack = encode({ cmd: 'connack', sessionPresent: false, reasonCode: 0x87, properties: { reasonString: 'not authorized', userProperties: { a: 'b' }, maximumPacketSize: 1000 } } as never, 5)
    expect(fitToMaximumPacketSize(connack, connack.length, new FrameDecoder(5))).toBe(connack)
    const fitted = fitToMaximumPacketSize(connack, connack.length - 1, new FrameDecoder(5))
    expect(new FrameDecoder(5).decode(fitted)).toMatchObject({ cmd: 'connack', reasonCode: 0x87, properties: { maximumPacketSize: 1000 } })
    expect((new FrameDecoder(5).decode(fitted) as Record<string, any>).properties).toEqual({ maximumPacketSize: 1000 })
  })

  it('sends an oversized packet with nothing to leave out as it is: no properties, or only properties that are not informational', () => {
    // Nothing to strip: the same frame, not a re-encoding (which would not be smaller).
    const bare = encode({ cmd: 'puback', messageId: 7, reasonCode: 0x10 } as never, 5)
    expect(fitToMaximumPacketSize(bare, 2, new FrameDecoder(5))).toBe(bare)
    const reference = encode({ cmd: 'disconnect', reasonCode: 0x9c, properties: { serverReference: 'other.example:1883' } } as never, 5)
    expect(fitToMaximumPacketSize(reference, 5, new FrameDecoder(5))).toBe(reference)
  })

  it('leaves out User Properties on their own too (no Reason String)', () => {
    const pubrec = encode({ cmd: 'pubrec', messageId: 3, reasonCode: 0x80, properties: { userProperties: { why: 'x'.repeat(40) } } } as never, 5)
    const fitted = fitToMaximumPacketSize(pubrec, 20, new FrameDecoder(5))
    expect(fitted.length).toBeLessThan(pubrec.length)
    const p = decode(fitted)
    expect(p).toMatchObject({ cmd: 'pubrec', messageId: 3, reasonCode: 0x80 })
    expect(p.properties?.userProperties).toBeUndefined()
  })
})
