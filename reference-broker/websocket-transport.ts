import { Duplex } from 'node:stream'
import type WebSocket from 'ws'

/**
 * MQTT over WebSocket, the rules a listener applies to each connection
 * (MQTT 3.1.1 and 5, section 6). Faults decorate these methods
 * (faults/websocket-faults.ts).
 */
export interface WebSocketTransport {
  /** The subprotocol returned in the handshake: mqtt when offered [MQTT-6.0.0-4]; false returns none. */
  selectProtocol(offered: ReadonlySet<string>): string | false
  /**
   * The MQTT bytes a data frame carries, or null when the frame is not binary
   * and the connection closes [MQTT-6.0.0-1]. A frame may hold part of a
   * packet or several packets: the bytes join one stream [MQTT-6.0.0-2].
   */
  frameBytes(data: Buffer, isBinary: boolean): Buffer | null
}

/** The transport as the standard writes it. */
export function createWebSocketTransport(): WebSocketTransport {
  return {
    // mqttv3.1 is the subprotocol of MQTT 3.1 clients, taken when mqtt is not offered.
    selectProtocol: (offered) => (offered.has('mqtt') ? 'mqtt' : offered.has('mqttv3.1') ? 'mqttv3.1' : false),
    frameBytes: (data, isBinary) => (isBinary ? data : null),
  }
}

/** WebSocket close code 1003: the endpoint received a type of data it cannot accept (RFC 6455 7.4.1). */
const UNSUPPORTED_DATA = 1003

/**
 * The MQTT byte stream of one WebSocket: binary frames are read as one stream
 * whatever their boundaries; a frame the transport refuses closes the WebSocket
 * (1003) and ends the stream [MQTT-6.0.0-1] [MQTT-6.0.0-2]. Writes go out as
 * binary frames.
 */
export function webSocketByteStream(ws: WebSocket, transport: WebSocketTransport): Duplex {
  let refused = false
  // After a WebSocket error ws closes with its own code (1007 for a text frame that is not UTF-8): no terminate then.
  let failed = false
  const stream = new Duplex({
    read: () => { ws.resume() },
    write: (chunk: Buffer, _encoding, done) => { ws.send(chunk, { binary: true }, (err) => done(err ?? undefined)) },
    final: (done) => { ws.close(); done() },
    destroy: (err, done) => { if (!failed) ws.terminate(); done(err) },
  })
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (refused) return
    const bytes = transport.frameBytes(data, isBinary)
    if (bytes === null) {
      refused = true
      ws.close(UNSUPPORTED_DATA, 'MQTT travels in binary frames')
      return
    }
    if (bytes.length > 0 && !stream.push(bytes)) ws.pause()
  })
  // The end comes after the bytes already pushed, as a TCP socket's does.
  ws.once('close', () => stream.push(null))
  ws.once('error', (err) => { failed = true; stream.destroy(err) })
  return stream
}
