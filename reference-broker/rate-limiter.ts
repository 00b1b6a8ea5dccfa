/**
 * A token bucket: `ratePerSecond` tokens a second, at most `ratePerSecond`
 * saved up (one second of burst). A rate of 0 means unlimited.
 */
export class RateLimiter {
  private tokens: number
  private last = Date.now()

  constructor(private readonly ratePerSecond: number) {
    this.tokens = ratePerSecond
  }

  private refill(): void {
    const now = Date.now()
    this.tokens = Math.min(this.ratePerSecond, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond)
    this.last = now
  }

  /** Takes one token if there is one. */
  tryTake(): boolean {
    if (this.ratePerSecond === 0) return true
    this.refill()
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }

  /** Takes one token even when none is left (traffic that cannot be refused but still counts). */
  forceTake(): void {
    if (this.ratePerSecond === 0) return
    this.refill()
    this.tokens = Math.max(-this.ratePerSecond, this.tokens - 1)
  }

  /** Whether a token is available, without taking it. */
  available(): boolean {
    if (this.ratePerSecond === 0) return true
    this.refill()
    return this.tokens >= 1
  }
}
