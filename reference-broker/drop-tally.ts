/**
 * Counts the messages dropped for one connection and reports them as one
 * summary per reason per interval (`{ event: 'drop', reason, count }`), never
 * one line per message: a stalled reader can have tens of thousands of QoS 0
 * messages dropped per second, and a line each would cost more than the
 * delivery. The first drop opens an interval; its summary is written when the
 * interval ends, or at close() for what is still counted.
 */
export class DropTally {
  private readonly counts = new Map<string, number>()
  private timer: NodeJS.Timeout | null = null

  constructor(private readonly intervalMs: number, private readonly report: (reason: string, count: number) => void) {}

  add(reason: string): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + 1)
    if (this.timer === null) {
      this.timer = setTimeout(this.flush, this.intervalMs)
      this.timer.unref()
    }
  }

  /** Writes a summary per reason counted since the last one. */
  readonly flush = (): void => {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    for (const [reason, count] of this.counts) this.report(reason, count)
    this.counts.clear()
  }
}
