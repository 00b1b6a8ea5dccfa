import { PT, encode, frameType, type FrameDecoder } from './mqtt-codec.js'

/**
 * MQTT 5 lets a client cap the packets it accepts (Maximum Packet Size in
 * CONNECT). An acknowledgement or DISCONNECT that would exceed that cap goes
 * out without its Reason String and User Properties, which exist only to
 * inform [MQTT5-3.4.2-2] [MQTT5-3.4.2-3] [MQTT5-3.9.2-1] [MQTT5-3.11.2-1]
 * [MQTT5-3.14.2-3] [MQTT5-3.14.2-4], and so does a CONNACK [MQTT5-3.2.2-19]
 * [MQTT5-3.2.2-20]. PUBLISH is the OutboundShaper's job (the whole message is dropped).
 */
export function fitToMaximumPacketSize(frame: Buffer, maximum: number | undefined, decoder: FrameDecoder): Buffer {
  if (maximum === undefined || frame.length <= maximum) return frame
  const type = frameType(frame)
  if (type === PT.PUBLISH) return frame
  const packet = decoder.decode(frame) as Record<string, any>
  const props = packet.properties as Record<string, unknown> | undefined
  if (!props || (props.reasonString === undefined && props.userProperties === undefined)) return frame
  const { reasonString: _r, userProperties: _u, ...rest } = props
  return encode({ ...packet, properties: rest }, 5)
}
