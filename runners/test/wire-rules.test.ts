import { describe, expect, it } from 'vitest'
import mqtt from 'mqtt-packet'
import { FrameSplitter, wireProblems } from '../adapters/wire-rules.js'

const gen = (packet: Record<string, unknown>, version: 4 | 5) => Buffer.from(mqtt.generate(packet as never, { protocolVersion: version }))
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex')
const rules = (bytes: Buffer, version: 4 | 5) => wireProblems(bytes, version).map((p) => p.rule)

describe('wireProblems', () => {
  it('finds nothing wrong with what mqtt-packet encodes', () => {
    const long = 'x'.repeat(300)
    for (const version of [4, 5] as const) {
      expect(rules(gen({ cmd: 'connack', sessionPresent: false, returnCode: 0, reasonCode: 0 }, version), version)).toEqual([])
      expect(rules(gen({ cmd: 'suback', messageId: 1, granted: [1, 0x80] }, version), version)).toEqual([])
      expect(rules(gen({ cmd: 'publish', topic: 'a/b', payload: long, qos: 1, messageId: 7, retain: false, dup: false }, version), version)).toEqual([])
      expect(rules(gen({ cmd: 'pubrel', messageId: 3 }, version), version)).toEqual([])
      expect(rules(gen({ cmd: 'pingresp' }, version), version)).toEqual([])
    }
    expect(rules(gen({ cmd: 'publish', topic: 't', payload: 'p', qos: 0, retain: false, dup: false, properties: { userProperties: { k: 'v' }, subscriptionIdentifier: 200 } }, 5), 5)).toEqual([])
    expect(rules(gen({ cmd: 'disconnect', reasonCode: 0x81, properties: { reasonString: 'bad' } }, 5), 5)).toEqual([])
  })

  it('finds a frame larger than the client\'s Maximum Packet Size [MQTT5-3.1.2-24]', () => {
    const connack = gen({ cmd: 'connack', sessionPresent: false, reasonCode: 0x90, properties: { reasonString: 'CONNACK: refused 0x90' } }, 5)
    expect(connack.length).toBe(29)
    expect(rules(connack, 5)).toEqual([])
    expect(wireProblems(connack, 5, 29)).toEqual([])
    expect(wireProblems(connack, 5, 28)).toEqual([{ rule: 'within-client-maximum-packet-size', detail: '29 bytes, the client accepts at most 28' }])
  })

  it('finds a Remaining Length, Property Length or Subscription Identifier in more bytes than needed [MQTT5-1.5.5-1]', () => {
    expect(rules(hex('90 83 00 00 01 00 01'), 5)).toEqual(['minimal-variable-byte-integers'])
    expect(rules(hex('90 05 00 01 80 00 01'), 5)).toEqual(['minimal-variable-byte-integers'])
    // PUBLISH QoS 0 "t", properties: Subscription Identifier 1 in two bytes.
    expect(rules(hex('30 08 00 01 74 03 0b 81 00 70'), 5)).toEqual(['minimal-variable-byte-integers'])
    expect(rules(hex('30 07 00 01 74 02 0b 01 70'), 5)).toEqual([])
  })

  it('finds a missing or overlong Property Length [MQTT5-2.2.2-1], and allows the short acknowledgement forms', () => {
    // SUBACK id 1 without Property Length: the code 0x01 reads as a Property Length that runs past the packet.
    expect(rules(hex('90 03 00 01 01'), 5)).toEqual(['property-length'])
    expect(rules(hex('90 02 00 01'), 5)).toEqual(['property-length'])
    // The same bytes are a well-formed MQTT 3.1.1 SUBACK.
    expect(rules(hex('90 03 00 01 01'), 4)).toEqual([])
    expect(rules(hex('40 02 00 01'), 5)).toEqual([])
    expect(rules(hex('40 03 00 01 10'), 5)).toEqual([])
    expect(rules(hex('e0 00'), 5)).toEqual([])
  })

  it('finds reserved fixed-header flags other than the table\'s [MQTT311-2.2.2-1]', () => {
    expect(rules(hex('92 03 00 01 01'), 4)).toEqual(['reserved-flags'])
    expect(rules(hex('60 02 00 01'), 4)).toEqual(['reserved-flags'])
    expect(rules(hex('d1 00'), 4)).toEqual(['reserved-flags'])
    expect(rules(hex('3b 05 00 01 74 00 01'), 4)).toEqual([])
  })
})

describe('FrameSplitter', () => {
  it('cuts a byte stream into frames, across chunk boundaries', () => {
    const splitter = new FrameSplitter()
    const long = gen({ cmd: 'publish', topic: 'a', payload: 'y'.repeat(200), qos: 0, retain: false, dup: false }, 4)
    const stream = Buffer.concat([hex('20 02 00 00'), long, hex('d0 00')])
    const frames = [...splitter.push(stream.subarray(0, 3)), ...splitter.push(stream.subarray(3, 6)), ...splitter.push(stream.subarray(6))]
    expect(frames.map((f) => f.toString('hex'))).toEqual(['20020000', long.toString('hex'), 'd000'])
  })
})
