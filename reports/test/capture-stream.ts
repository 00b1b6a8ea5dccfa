import { Writable } from 'node:stream'

/** A writable that keeps what is written, optionally pretending to be a TTY. */
export class CaptureStream extends Writable {
  text = ''
  constructor(readonly isTTY = false, readonly columns = 120) {
    super()
  }
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString()
    done()
  }
}
