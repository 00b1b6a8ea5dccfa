/**
 * One connection's connect or keep-alive deadline [KA-TIMEOUT-1.5X]. Every
 * inbound frame moves it: a timer that fires no later than the deadline is
 * kept (it re-arms itself for the rest) instead of replacing a timer per frame.
 */
export class Deadline {
  private timer: NodeJS.Timeout | null = null
  /** When the deadline passes (ms since the epoch); 0 = none. */
  private due = 0
  /** When the timer fires; it may be earlier than the deadline, then it re-arms. */
  private timerAt = 0

  constructor(private readonly onPassed: () => void) {}

  /** (Re)starts the deadline: `ms` from now; 0 = none. */
  arm(ms: number): void {
    if (ms <= 0) return this.stop()
    const due = Date.now() + ms
    this.due = due
    if (this.timer !== null && this.timerAt <= due) return
    this.start(ms)
  }

  stop(): void {
    this.due = 0
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }

  private start(ms: number): void {
    if (this.timer) clearTimeout(this.timer)
    this.timerAt = Date.now() + ms
    this.timer = setTimeout(() => this.fired(), ms)
    this.timer.unref()
  }

  private fired(): void {
    this.timer = null
    if (this.due === 0) return
    const left = this.due - Date.now()
    if (left > 0) return this.start(left)
    this.onPassed()
  }
}
