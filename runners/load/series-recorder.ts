import type { SeriesPoint } from '../../spec/index.js'
import { createLatencyHistogram, encodeHistogram, recordMs, type Histogram } from '../../reports/index.js'
import { emptyLiveLatency, recordLiveLatency, type LiveLatency } from './live-latency.js'

interface Second {
  planned: number
  sent: number
  notSent: number
  outcomes: Record<string, number>
  latency?: SeriesPoint['latency']
}

/**
 * Per-second series of a run: counts by second, and a latency histogram of
 * what completed in each second. Completions arrive in time order, so only
 * the current second's histogram is live; earlier ones are kept encoded.
 */
export class SeriesRecorder {
  private readonly seconds: Second[] = []
  private current = -1
  // One live histogram, reset every second (earlier seconds are kept encoded): a plain one records
  // faster than a packed one, which showed in the open-model driver's profile.
  private readonly live: Histogram = createLatencyHistogram()
  private readonly cumulative: LiveLatency = emptyLiveLatency()

  constructor(private t0: number) {}

  /**
   * Second 0 begins at `t0` (clock ms): called just before the scheduler starts, so the seconds
   * are the plan's own (set-up between construction and the first stage does not shift them).
   */
  startAt(t0: number): void {
    this.t0 = t0
  }

  private at(t: number): Second {
    const i = Math.max(0, Math.floor((t - this.t0) / 1000))
    while (this.seconds.length <= i) this.seconds.push({ planned: 0, sent: 0, notSent: 0, outcomes: {} })
    return this.seconds[i]!
  }

  /** Counts one planned / sent / not-sent request in the second of `t` (clock ms). */
  count(kind: 'planned' | 'sent' | 'notSent', t: number): void {
    this.at(t)[kind]++
  }

  /** Counts one completion (`name`: a bucket or `received`) at `t`, with its latency when it has one. */
  outcome(name: string, t: number, latencyMs?: number): void {
    const s = this.at(t)
    s.outcomes[name] = (s.outcomes[name] ?? 0) + 1
    if (latencyMs === undefined) return
    const i = Math.max(0, Math.floor((t - this.t0) / 1000))
    if (i > this.current) this.roll(i)
    recordMs(this.live, latencyMs)
    recordLiveLatency(this.cumulative, latencyMs)
  }

  /** Every latency recorded so far in fixed buckets (live metrics); a copy. */
  liveLatency(): LiveLatency {
    return { counts: [...this.cumulative.counts], sumMs: this.cumulative.sumMs, count: this.cumulative.count }
  }

  private roll(next: number): void {
    if (this.current >= 0 && this.live.totalCount > 0) this.at(this.t0 + this.current * 1000).latency = encodeHistogram(this.live)
    this.live.reset()
    this.current = next
  }

  /** The series, one point per second from the start. */
  finish(): SeriesPoint[] {
    this.roll(this.current + 1)
    const empty = encodeHistogram(this.live)
    this.live.destroy()
    return this.seconds.map((s, t) => ({ t, planned: s.planned, sent: s.sent, notSent: s.notSent, outcomes: s.outcomes, latency: s.latency ?? empty }))
  }
}
