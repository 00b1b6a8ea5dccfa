import { Readable } from 'node:stream'
import type { AedesPublish, Persistence } from './aedes-internals.js'

/** Whether a stored message is a QoS 2 PUBLISH already sent on an earlier connection (it has a packet id). */
export const isSentQos2 = (packet: AedesPublish): boolean => packet.cmd === 'publish' && packet.qos === 2 && packet.messageId !== undefined

/**
 * Once a QoS 2 PUBLISH has been sent, its Message Expiry no longer applies to it [MQTT5-4.3.3-7]:
 * it is re-sent to a resumed session however long ago it expired. aedes drops a stored message
 * whose expiry passed whether or not it was sent (aedes defect 16, docs/aedes-defects.md), so a
 * sent QoS 2 message leaves the stream without its absolute expiry; its Message Expiry Interval
 * says what was left of it, 0 once it ran out [MEI-ZERO-ROUNDING]. (The shaper leaves a re-sent
 * QoS 2 PUBLISH's interval alone: outbound-shaper.ts.)
 */
export function keepSentQos2(persistence: Persistence): void {
  const original = persistence.outgoingStream.bind(persistence)
  persistence.outgoingStream = (client) => Readable.from((async function* () {
    for await (const packet of original(client)) yield isSentQos2(packet) && packet.messageExpiry !== undefined ? withoutExpiry(packet) : packet
  })())
}

function withoutExpiry(packet: AedesPublish): AedesPublish {
  const { messageExpiry, ...rest } = packet
  const leftSeconds = Math.max(0, Math.floor((messageExpiry! - Date.now()) / 1000))
  return { ...rest, properties: { ...packet.properties, messageExpiryInterval: leftSeconds } }
}
