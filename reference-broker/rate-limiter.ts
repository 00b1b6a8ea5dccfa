/**
 * At most `ratePerSecond` events in any 1-second window, exactly: the times of
 * the last `ratePerSecond` events are kept in a ring, and an event is refused
 * while the oldest of them is less than a second old. (A token bucket would
 * let a full bucket plus a second's refill, 200 events, through in the first
 * second; AWS documents 100 per second per connection [LIM-PUB-RATE-100].)
 * A rate of 0 means unlimited.
 */
export class RateLimiter {
  private readonly ring: Float64Array
  private head = 0

  constructor(private readonly ratePerSecond: number) {
    // -Infinity: an empty slot never blocks.
    this.ring = new Float64Array(ratePerSecond).fill(Number.NEGATIVE_INFINITY)
  }

  /** Whether an event fits in the current window, without recording it. */
  available(now = Date.now()): boolean {
    return this.ratePerSecond === 0 || this.ring[this.head]! <= now - 1000
  }

  /** Milliseconds until an event fits; 0 when one fits now. */
  waitMs(now = Date.now()): number {
    return this.ratePerSecond === 0 ? 0 : Math.max(0, this.ring[this.head]! + 1000 - now)
  }

  /** Records an event if it fits; returns whether it did. */
  tryTake(): boolean {
    if (this.ratePerSecond === 0) return true
    const now = Date.now()
    if (!this.available(now)) return false
    this.record(now)
    return true
  }

  /** Records an event that cannot be refused (it still counts against the window). */
  forceTake(): void {
    if (this.ratePerSecond > 0) this.record(Date.now())
  }

  private record(now: number): void {
    this.ring[this.head] = now
    this.head = (this.head + 1) % this.ratePerSecond
  }
}
