import type { GateHost } from './gate-host.js'
import { encode, type FrameDecoder, type ProtocolVersion } from './mqtt-codec.js'

/**
 * Outbound rewrites for deliberate deviations (harness self-tests only): what an
 * MQTT 5 subscriber receives and how a PUBACK reads. A gate creates one only
 * when its broker runs with faults, so normal traffic never pays for it.
 */
export class DeviatedFrames {
  private readonly serverAliases = new Map<string, number>()
  /** Topics of inbound QoS 1 publishes, by packet id, for the PUBACK rewrite. */
  private readonly pubackTopics = new Map<number, string>()

  constructor(private readonly host: GateHost, private readonly decoder: FrameDecoder, private readonly version: ProtocolVersion, private readonly clientTopicAliasMaximum: number, private readonly nextMessageId: () => number) {}

  notePublish(messageId: number, topic: string): void {
    this.pubackTopics.set(messageId, topic)
  }

  /**
   * Server→client topic aliases [ALIAS-RESOLVED-FOR-SUBSCRIBERS]; user properties
   * [M5-USER-PROPERTIES], content type and payload format
   * [M5-PAYLOAD-FORMAT-CONTENT-TYPE], response topic and correlation data
   * [M5-REQUEST-RESPONSE] dropped.
   */
  publish(frame: Buffer): Buffer {
    const f = this.host.faults
    // `redelivery-dup-cleared`: re-sent messages go out with DUP 0 [MQTT5-3.3.1-1].
    if (f.has('redelivery-dup-cleared') && frame[0]! & 0x08) return Buffer.from([frame[0]! & ~0x08, ...frame.subarray(1)])
    // `qos0-delivered-at-qos1`: QoS 0 messages go out at QoS 1 [QOS-LEVELS-0-1].
    if (f.has('qos0-delivered-at-qos1') && (frame[0]! & 0x06) === 0) {
      const packet = this.decoder.decode(frame) as Record<string, any>
      return encode({ ...packet, qos: 1, messageId: this.nextMessageId() }, this.version)
    }
    // `qos1-delivered-at-qos0`: QoS 1 messages go out at QoS 0 [QOS-LEVELS-0-1].
    if (f.has('qos1-delivered-at-qos0') && (frame[0]! & 0x06) === 0x02) {
      const packet = this.decoder.decode(frame) as Record<string, any>
      return encode({ ...packet, qos: 0, messageId: undefined, dup: false }, this.version)
    }
    if (this.version !== 5) return frame
    const drop = [
      ...(f.has('user-properties-dropped') ? ['userProperties'] : []),
      ...(f.has('content-type-dropped') ? ['contentType', 'payloadFormatIndicator'] : []),
      ...(f.has('response-properties-dropped') ? ['responseTopic', 'correlationData'] : []),
    ]
    // `server-topic-aliases-unchecked`: aliases from 0 up (the topic still sent), past the client's Topic Alias Maximum [MQTT5-3.1.2-26] [MQTT5-3.3.2-8].
    const unchecked = f.has('server-topic-aliases-unchecked') && this.clientTopicAliasMaximum > 0
    const aliasMax = unchecked ? 65535 : f.has('server-topic-aliases') ? this.clientTopicAliasMaximum : 0
    const reorder = f.has('user-properties-reordered')
    if (drop.length === 0 && aliasMax === 0 && !reorder) return frame
    const packet = this.decoder.decode(frame) as Record<string, any>
    const props: Record<string, unknown> = { ...(packet.properties ?? {}) }
    for (const k of drop) delete props[k]
    // `user-properties-reordered`: user properties (names and repeated values) in reverse order [MQTT5-3.1.3-10].
    if (reorder && props.userProperties) props.userProperties = Object.fromEntries(Object.entries(props.userProperties).reverse().map(([k, v]) => [k, Array.isArray(v) ? [...v].reverse() : v]))
    if (aliasMax > 0) {
      let alias = this.serverAliases.get(packet.topic)
      if (alias !== undefined && !unchecked) packet.topic = ''
      else if (this.serverAliases.size < aliasMax) this.serverAliases.set(packet.topic, (alias = this.serverAliases.size + (unchecked ? 0 : 1)))
      if (alias !== undefined) props.topicAlias = alias
    }
    packet.properties = props
    return encode(packet, 5)
  }

  /** `puback-no-matching-subscribers`: PUBACK 0x10 when nobody subscribes [M5-PUBACK-NO-MATCHING-SUBSCRIBERS]; `puback-wrong-packet-id`. */
  puback(frame: Buffer): Buffer {
    // `puback-wrong-packet-id`: the PUBACK names the next packet id, not the PUBLISH's [MQTT5-2.2.1-5].
    if (this.host.faults.has('puback-wrong-packet-id')) {
      const packet = this.decoder.decode(frame) as Record<string, any>
      return encode({ ...packet, messageId: (packet.messageId % 65535) + 1 }, this.version)
    }
    if (this.pubackTopics.size === 0) return frame
    const packet = this.decoder.decode(frame) as Record<string, any>
    const topic = this.pubackTopics.get(packet.messageId)
    if (topic === undefined) return frame
    this.pubackTopics.delete(packet.messageId)
    if (this.host.hasSubscribers?.(topic) !== false || (packet.reasonCode ?? 0) !== 0) return frame
    return encode({ ...packet, reasonCode: 0x10 }, 5)
  }
}
