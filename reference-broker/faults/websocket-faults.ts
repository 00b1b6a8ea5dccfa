import { FrameSplitter } from '../mqtt-codec.js'
import type { WebSocketTransport } from '../websocket-transport.js'
import { wrapMethod, type FaultDecorators } from './decorate.js'

/** The first whole MQTT packet in `bytes`, or nothing when the bytes do not hold one. */
function firstPacket(bytes: Buffer): Buffer {
  let first: Buffer | undefined
  new FrameSplitter({ onFrame: (frame) => { first ??= frame } }).push(bytes)
  return first ?? Buffer.alloc(0)
}

/** Faults of MQTT over WebSocket: decorators of the transport's rules. */
export const websocketFaults: FaultDecorators<WebSocketTransport, void> = {
  // A text frame is read as MQTT bytes, like a binary one [MQTT-6.0.0-1].
  'ws-text-frames-accepted': (transport) => wrapMethod(transport, 'frameBytes', (frameBytes) => (data) => frameBytes(data, true)),
  // Each frame is taken to hold exactly one packet: what follows the first is dropped, a part is ignored [MQTT-6.0.0-2].
  'ws-frame-aligned-only': (transport) => wrapMethod(transport, 'frameBytes', (frameBytes) => (data, isBinary) => {
    const bytes = frameBytes(data, isBinary)
    return bytes === null ? null : firstPacket(bytes)
  }),
  // The handshake selects no subprotocol, even when mqtt is offered [MQTT-6.0.0-4].
  'ws-subprotocol-not-returned': (transport) => wrapMethod(transport, 'selectProtocol', () => () => false),
}
