import { Duplex } from 'node:stream'
import { ByteBudget } from '../byte-budget.js'

/** What the pipe tells its connection. */
export interface AedesPipePort {
  /** aedes wrote one chunk. */
  write(chunk: Buffer): void
  /** aedes wrote several chunks at once (it corks its writes: usually one packet in pieces). */
  writev(pieces: Buffer[]): void
  /** aedes ended or destroyed its side. */
  ended(): void
  /** The connection is closed. */
  closed(): boolean
}

/**
 * The stream aedes reads a client from and writes it to. Frames the gate
 * forwards while one socket read is being split reach aedes in one piece; the
 * socket pauses while aedes is not reading, and while the bytes read are over
 * the connection's budget [LIM-THROUGHPUT-512KIB].
 */
export class AedesPipe {
  /** The stream aedes handles as the client's connection. */
  readonly stream: Duplex
  /** Frames forwarded while one socket read is being split. */
  private batch: Buffer[] | null = null
  private ended = false
  /** Bytes read from the client; null = unlimited. */
  private readonly budget: ByteBudget | null
  /** Set while reading is paused for the byte budget. */
  private throttle: NodeJS.Timeout | null = null

  constructor(private readonly socket: Duplex, bytesPerSecond: number, private readonly port: AedesPipePort) {
    this.budget = bytesPerSecond > 0 ? new ByteBudget(bytesPerSecond) : null
    const pipe = this
    this.stream = new Duplex({
      read() { if (pipe.throttle === null) socket.resume() },
      write(chunk: Buffer, _enc, cb) { port.write(chunk); cb() },
      writev(chunks, cb) { port.writev(chunks.map((c) => c.chunk as Buffer)); cb() },
      final(cb) { port.ended(); cb() },
      destroy(err, cb) { port.ended(); cb(err) },
    })
  }

  /** One socket read: `split` forwards its whole frames, which then reach aedes in one piece. */
  read(chunk: Buffer, split: (chunk: Buffer) => void): void {
    this.batch = []
    split(chunk)
    const batch = this.batch
    this.batch = null
    // aedes parses what it is given at once, so a throw inside aedes lands here too.
    if (batch && batch.length > 0) this.push(batch.length === 1 ? batch[0]! : Buffer.concat(batch))
    if (this.budget !== null && !this.budget.take(chunk.length)) this.throttleInbound()
  }

  /** A read that threw: what it forwarded is not sent. */
  dropBatch(): void {
    this.batch = null
  }

  /** Passes a frame to aedes; pauses the socket while aedes is not reading. */
  forward(frame: Buffer): void {
    if (this.batch) this.batch.push(frame)
    else this.push(frame)
  }

  private push(bytes: Buffer): void {
    if (this.ended || this.stream.destroyed) return
    if (!this.stream.push(bytes)) this.socket.pause()
  }

  /**
   * [LIM-THROUGHPUT-512KIB] The bytes read so far are over the connection's budget: stop
   * reading until it refills (the excess is delayed, never dropped). Reading resumes then
   * unless aedes is still full, in which case its next read() resumes it.
   */
  private throttleInbound(): void {
    if (this.throttle !== null || this.port.closed()) return
    this.socket.pause()
    this.throttle = setTimeout(() => {
      this.throttle = null
      if (!this.port.closed() && this.stream.readableLength < this.stream.readableHighWaterMark) this.socket.resume()
    }, this.budget!.waitMs())
  }

  /** Ends aedes' input: frames accepted before the end still reach it first. */
  end(): void {
    if (this.ended) return
    const batch = this.batch
    this.batch = null
    if (batch && batch.length > 0) this.push(Buffer.concat(batch))
    this.ended = true
    if (!this.stream.destroyed) this.stream.push(null)
  }

  /** The connection closed: no more reading resumes. */
  stop(): void {
    if (this.throttle) clearTimeout(this.throttle)
    this.throttle = null
  }
}
