/**
 * The direct-message path's own PUBLISH encoder writes exactly the bytes
 * mqtt-packet would, for every protocol version, both QoS levels, topics with
 * multi-byte characters and payloads on each side of the remaining-length
 * encoding's 1-, 2-, 3- and 4-byte boundaries.
 */
import mqtt from 'mqtt-packet'
import { describe, expect, it } from 'vitest'
import { encode, encodeBarePublish, type ProtocolVersion } from '../mqtt-codec.js'

describe('encodeBarePublish', () => {
  const topics = ['t', 'devices/d1/commands', 'héllo/世界/🙂', 'x'.repeat(300)]
  // Remaining length = 2 + topic + (2) + (1) + payload: these straddle 127/128, 16383/16384 and 2097151/2097152.
  const payloadSizes = [0, 1, 120, 127, 128, 16380, 16384, 2_097_140, 2_097_152]

  for (const version of [3, 4, 5] as ProtocolVersion[]) {
    for (const qos of [0, 1] as const) {
      it(`matches mqtt-packet for MQTT ${version === 5 ? '5' : version === 4 ? '3.1.1' : '3.1'}, QoS ${qos}`, () => {
        for (const topic of topics) {
          for (const size of payloadSizes) {
            const payload = Buffer.alloc(size, 0xa5)
            const messageId = qos === 1 ? 1 + (size % 65535) : undefined
            const expected = encode({ cmd: 'publish', topic, payload, qos, retain: false, dup: false, messageId }, version)
            const actual = encodeBarePublish(topic, payload, qos, messageId, version)
            expect(actual.equals(expected), `${topic.slice(0, 20)} ${size}`).toBe(true)
          }
        }
      })
    }
  }

  it('decodes back to the same message', () => {
    const parser = mqtt.parser({ protocolVersion: 5 })
    const got: mqtt.IPublishPacket[] = []
    parser.on('packet', (p) => got.push(p as mqtt.IPublishPacket))
    parser.parse(encodeBarePublish('a/b', Buffer.from('hi'), 1, 42, 5))
    expect(got).toHaveLength(1)
    expect(got[0]).toMatchObject({ cmd: 'publish', topic: 'a/b', qos: 1, messageId: 42, retain: false, dup: false })
    expect(got[0]!.payload.toString()).toBe('hi')
  })
})
