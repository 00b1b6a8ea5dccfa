/**
 * Bytes per second through one direction of one connection
 * [LIM-THROUGHPUT-512KIB]: a token bucket that may go into debt. A unit of
 * data (one socket read, one outbound frame) goes through whenever the bucket
 * is not in debt and takes its bytes, possibly leaving a debt; the caller then
 * waits `waitMs()` (reads paused, frames queued) before the next unit, so
 * excess is delayed, never dropped, and the long-run rate is exact. The bucket
 * holds a quarter second's worth, so any 1 s window carries at most 1.25 times
 * the rate plus one unit (a bucket of a full second would let twice the rate
 * through in the first second).
 *
 * `take` costs an add and a compare: the clock is read only when the credit
 * known at the last reading may be used up, or every sixteenth of a second's
 * worth of bytes. Bytes taken between two readings are counted as taken at the
 * second one, so the bucket errs on the side of delaying, by at most that
 * sixteenth.
 */
export class ByteBudget {
  private readonly perMs: number
  private readonly capacity: number
  private readonly step: number
  /** Credit in bytes at `at` (negative: debt). */
  private credit: number
  private at: number
  /** Bytes taken since `at`. */
  private pending = 0
  /** `pending` up to this needs no clock reading. */
  private threshold: number

  /** `bytesPerSecond` > 0; `clock` in milliseconds (tests pass their own). */
  constructor(bytesPerSecond: number, private readonly clock: () => number = Date.now) {
    this.perMs = bytesPerSecond / 1000
    this.capacity = Math.max(1, Math.floor(bytesPerSecond / 4))
    this.step = Math.max(1, Math.floor(bytesPerSecond / 16))
    this.credit = this.capacity
    this.threshold = Math.min(this.credit, this.step)
    this.at = clock()
  }

  /** Counts `n` bytes; false when they leave the bucket in debt (wait `waitMs()` before the next unit). */
  take(n: number): boolean {
    this.pending += n
    return this.pending <= this.threshold || this.settle()
  }

  /** Milliseconds until the debt is paid; 0 when there is none. */
  waitMs(): number {
    this.settle()
    return this.credit >= 0 ? 0 : Math.ceil(-this.credit / this.perMs)
  }

  private settle(): boolean {
    const now = this.clock()
    this.credit = Math.min(this.capacity, this.credit + (now - this.at) * this.perMs) - this.pending
    this.at = now
    this.pending = 0
    this.threshold = this.credit > 0 ? Math.min(this.credit, this.step) : 0
    return this.credit >= 0
  }
}
