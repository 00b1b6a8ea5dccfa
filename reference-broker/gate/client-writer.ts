import type { Duplex } from 'node:stream'
import { PT, frameType } from '../mqtt-codec.js'
import type { OutFrame } from '../split-frame.js'

/**
 * Writes frames to the client's socket. PUBLISH and PUBACK frames written in one turn of the
 * event loop (aedes writes every delivery and every PUBACK from its own setImmediate) leave in
 * one write at its end instead of one syscall each. Any other frame (CONNACK, SUBACK, PINGRESP,
 * ...) leaves at once, with whatever waited before it: a client that only starts listening
 * for messages once its CONNACK or SUBACK arrived still reads that packet on its own.
 */
export class ClientWriter {
  /** The socket is corked until the end of this event-loop turn. */
  private corked = false
  private corkedBytes = 0
  /** Bytes given to the socket, for taken(). */
  private written = 0

  constructor(private readonly socket: Duplex) {}

  write(frame: OutFrame): void {
    this.written += frame.length
    if (!Buffer.isBuffer(frame)) {
      // A split PUBLISH (split-frame.ts): its two pieces, corked like any PUBLISH; the shared
      // payload is written by reference, never copied.
      this.cork(frame.length)
      this.socket.write(frame.head)
      this.socket.write(frame.payload)
      return
    }
    const type = frameType(frame)
    if (type !== PT.PUBLISH && type !== PT.PUBACK) {
      this.socket.write(frame)
      return this.flush()
    }
    this.cork(frame.length)
    this.socket.write(frame)
  }

  /** Corks the socket until the end of this event-loop turn (if not yet) for `bytes` more. */
  private cork(bytes: number): void {
    if (!this.corked) {
      this.corked = true
      this.socket.cork()
      setImmediate(this.flush)
    }
    this.corkedBytes += bytes
  }

  /** Writes what waited for the end of this turn now. */
  readonly flush = (): void => {
    if (!this.corked) return
    this.corked = false
    this.corkedBytes = 0
    this.socket.uncork()
  }

  /** Bytes the client has not taken yet (frames waiting for this turn's write are not its backlog). */
  buffered(): number {
    return this.socket.writableLength - this.corkedBytes
  }

  /** Bytes the client has taken so far: written minus still waiting in the socket (the slow-reader rule's progress). */
  taken(): number {
    return this.written - this.socket.writableLength
  }
}
