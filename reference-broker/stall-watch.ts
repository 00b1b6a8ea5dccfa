/** What the stall rule looked at when it cut a connection off. */
export interface Stall {
  /** Bytes waiting for the client when it was cut off. */
  backlogBytes: number
  /** How long the backlog stayed above the soft limit without progress. */
  stalledMs: number
}

export interface StallWatchOptions {
  /** Backlog above which the watch starts (the slow-consumer soft limit). */
  softBytes: number
  /** Time above softBytes without progress after which the client is cut off; 0 = never. */
  stallMs: number
  /** Bytes waiting for the client now. */
  backlog: () => number
  /** A counter that grows whenever the client takes bytes or acknowledges a message. */
  progress: () => number
  onStalled: (stall: Stall) => void
}

/**
 * The slow-reader rule: a connection is cut off when more
 * than `softBytes` wait for it AND it made no progress for `stallMs` (took no
 * byte from its socket and acknowledged no message). A reader that is slow but
 * keeps taking bytes is never cut off by this rule (its QoS 0 messages above
 * the soft limit are dropped instead); a backlog that falls to the soft limit
 * ends the watch. AWS documents no such limit; the values are the profile's
 * `server.slowClientSoftBytes` and `server.slowClientStallMs`.
 * One timer per connection, and only while its backlog is over the limit.
 */
export class StallWatch {
  private timer: NodeJS.Timeout | null = null
  private mark = 0
  private since = 0

  constructor(private readonly opts: StallWatchOptions) {}

  /** Call when the backlog may have grown past the soft limit: starts a watch if none runs. */
  check(): void {
    if (this.timer !== null || this.opts.stallMs <= 0 || this.opts.backlog() <= this.opts.softBytes) return
    this.since = Date.now()
    this.arm()
  }

  private arm(): void {
    this.mark = this.opts.progress()
    this.wait(this.opts.stallMs)
  }

  private wait(ms: number): void {
    this.timer = setTimeout(this.onTimer, ms)
    this.timer.unref()
  }

  private readonly onTimer = (): void => {
    this.timer = null
    const backlogBytes = this.opts.backlog()
    if (backlogBytes <= this.opts.softBytes) return
    if (this.opts.progress() !== this.mark) {
      // Slow but moving: watch the next window from now.
      this.since = Date.now()
      return this.arm()
    }
    const stalledMs = Date.now() - this.since
    // A timer may fire a millisecond early by the wall clock (libuv's loop time is cached):
    // the rule is a full stallMs without progress, so wait out the rest with the same mark.
    if (stalledMs < this.opts.stallMs) return this.wait(this.opts.stallMs - stalledMs)
    this.opts.onStalled({ backlogBytes, stalledMs })
  }

  close(): void {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
  }
}
