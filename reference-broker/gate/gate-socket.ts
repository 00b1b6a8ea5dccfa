import type { Duplex } from 'node:stream'
import type { OutFrame } from '../split-frame.js'
import { FrameSplitter, PT } from '../mqtt-codec.js'
import type { ConnectionState } from './connection.js'
import { ClientWriter } from './client-writer.js'
import { AedesPipe } from './aedes-pipe.js'

/** How a GateSocket is set up: its limits, and what it does with the whole frames it splits. */
export interface GateSocketOptions {
  /** Larger client packets are refused [M5-MAX-PACKET-SIZE]. */
  maxFrameBytes: number
  /** Bytes per second read from the client [LIM-THROUGHPUT-512KIB]; 0 = unlimited. */
  throughputBytesPerSecond: number
}

/**
 * The bytes of one client connection (WireGate extends it with what they mean):
 * the client's socket split into whole frames, the stream aedes reads and
 * writes (gate/aedes-pipe.ts), aedes' output split into whole frames, and the
 * writes to the client (gate/client-writer.ts). Nothing a client sends may throw
 * out of here (it would end the process): a throw goes to internalError.
 */
export abstract class GateSocket {
  state: ConnectionState = 'awaiting-connect'
  closeReason: string | null = null
  /** The stream aedes handles as this client's connection. */
  readonly aedesSide: Duplex
  protected readonly inSplitter: FrameSplitter
  protected readonly outSplitter: FrameSplitter
  protected readonly pipe: AedesPipe
  protected readonly out: ClientWriter
  private sawFirstByte = false

  constructor(readonly socket: Duplex, options: GateSocketOptions) {
    this.out = new ClientWriter(socket)
    this.pipe = new AedesPipe(socket, options.throughputBytesPerSecond, {
      write: (chunk) => this.outSplitter.push(chunk),
      writev: (pieces) => {
        // A slow reader's QoS 0, or a PUBLISH whose large payload aedes shares, never joined.
        if (this.takesUnjoined(pieces)) return
        // aedes writes a packet in several small chunks (it corks its writes): join the batch
        // once rather than let the splitter re-join after every chunk. The frames reach the
        // socket through writeOut, which writes one turn's frames at once.
        this.outSplitter.push(pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces))
      },
      ended: () => this.endSocket(),
      closed: () => this.state === 'closed',
    })
    this.aedesSide = this.pipe.stream
    this.inSplitter = new FrameSplitter({
      maxFrameBytes: options.maxFrameBytes,
      onFrame: (f) => { try { this.onInbound(f) } catch (err) { this.internalError('inbound', err) } },
      onTooLarge: (n) => this.onTooLarge(n),
      onMalformed: (why) => this.onMalformed(why),
    })
    this.outSplitter = new FrameSplitter({ onFrame: (f) => { try { this.onOutbound(f) } catch (err) { this.internalError('outbound', err) } } })
    socket.on('data', (chunk: Buffer) => {
      try {
        this.onData(chunk)
      } catch (err) {
        this.pipe.dropBatch()
        this.internalError('inbound', err)
      }
    })
    socket.on('end', () => this.onSocketGone())
    socket.on('close', () => this.onSocketGone())
    socket.on('error', (err) => { this.closeReason ??= `connection-error: ${err.message}`; this.onSocketGone() })
  }

  /** A whole frame from the client. */
  protected abstract onInbound(frame: Buffer): void
  /** A whole frame aedes writes to the client. */
  protected abstract onOutbound(frame: Buffer): void
  protected abstract onTooLarge(bytes: number): void
  protected abstract onMalformed(why: string): void
  /** An unexpected error while handling this connection's traffic (our bug): ends this connection only. */
  abstract internalError(where: 'inbound' | 'outbound', err: unknown): void
  abstract closeNow(reason: string): void
  /** The socket ended, closed or failed. */
  protected abstract onSocketGone(): void
  /** Whether `pieces` (one aedes write) were dropped or sent on without being joined (gate/unjoined-publish.ts). */
  protected abstract takesUnjoined(pieces: readonly Buffer[]): boolean

  private onData(chunk: Buffer): void {
    // Anything but CONNECT as the first byte is not MQTT: close now rather than
    // wait for a frame that may never complete.
    if (!this.sawFirstByte && chunk.length > 0) {
      this.sawFirstByte = true
      if (chunk[0]! >> 4 !== PT.CONNECT) return this.closeNow('not-mqtt')
    }
    this.pipe.read(chunk, (c) => this.inSplitter.push(c))
  }

  /** Passes a frame to aedes; pauses the socket while aedes is not reading. */
  forward(frame: Buffer): void {
    this.pipe.forward(frame)
  }

  /** Writes a frame to the client (gate/client-writer.ts: one turn's PUBLISHes and PUBACKs in one write). */
  writeOut(frame: OutFrame): void {
    if (this.state === 'closed' || this.socket.destroyed || this.socket.writableEnded) return
    this.out.write(frame)
  }

  /** Bytes the client has not taken yet. */
  bufferedTowardsClient(): number {
    return this.out.buffered()
  }

  /** Bytes the client has taken so far (the slow-reader rule's progress). */
  bytesTakenByClient(): number {
    return this.out.taken()
  }

  endSocket(): void {
    if (this.socket.destroyed) return
    this.socket.end()
    // A peer that never closes its side must not keep the socket open.
    setTimeout(() => this.socket.destroy(), 2000).unref()
  }
}
