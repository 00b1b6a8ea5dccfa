import type { ArrivalPlan } from './arrival-plan.js'

/** Why a planned request was not sent. */
export type SkipReason = 'behind' | 'saturated'

/** What the scheduler drives: the DM driver or a publisher group. */
export interface SchedulerHooks {
  /** Whether one more request can be handed over now (a free connection / in-flight slot). */
  hasCapacity(): boolean
  /** Request `seq` is due at `dueAt` (clock ms); hand it over now. `lagMs` = now − due. */
  fire(seq: number, dueAt: number, lagMs: number): void
  /**
   * Request `seq` could not be sent within maxLag of its due time: `behind`
   * when the generator itself was late (event loop busy), `saturated` when it
   * waited for a free connection that never came in time.
   */
  skip(seq: number, dueAt: number, reason: SkipReason): void
}

export interface OpenModelSchedulerOptions {
  plan: ArrivalPlan
  /** How far behind its due time a request may still be handed over. */
  maxLagMs: number
  clock?: () => number
}

export interface OpenModelScheduler {
  /** Runs the plan from now; resolves once every planned request was fired or skipped. */
  run(): Promise<{ planned: number; startedAt: number }>
  /** Capacity was freed (a response came back): waiting requests may go. */
  release(): void
  /** Stops planning; requests not yet due are not planned. */
  stop(): void
}

/**
 * The open-model scheduler: request i is due at t0 + plan(i), whatever
 * happened to earlier requests, so a slow target shows up as latency measured
 * from the due time instead of as a lower send rate (coordinated omission).
 * A request that finds no free connection waits in a FIFO for at most maxLag;
 * after that it is skipped and counted, never sent late without a trace.
 */
export function createOpenModelScheduler(opts: OpenModelSchedulerOptions, hooks: SchedulerHooks): OpenModelScheduler {
  const clock = opts.clock ?? (() => performance.now())
  const maxLag = opts.maxLagMs
  let t0 = 0
  let nextDue: number | null = null
  let seq = 0
  const waitSeq: number[] = []
  const waitDue: number[] = []
  let head = 0
  let timer: NodeJS.Timeout | undefined
  /** When the armed timer fires (clock ms). */
  let timerAt = Infinity
  let pumping = false
  let stopped = false
  let finish: (() => void) | undefined

  const advance = () => {
    const off = stopped ? null : opts.plan.next()
    nextDue = off === null ? null : t0 + off
  }

  const pump = () => {
    if (pumping) return
    pumping = true
    try {
      const now = clock()
      while (head < waitSeq.length) {
        const due = waitDue[head]!
        if (now - due > maxLag) hooks.skip(waitSeq[head]!, due, 'saturated')
        else if (hooks.hasCapacity()) hooks.fire(waitSeq[head]!, due, now - due)
        else break
        head++
      }
      if (head > 1024 && head * 2 > waitSeq.length) { waitSeq.splice(0, head); waitDue.splice(0, head); head = 0 }
      while (nextDue !== null && nextDue <= now) {
        const s = seq++
        const lag = now - nextDue
        if (lag > maxLag) hooks.skip(s, nextDue, 'behind')
        else if (head < waitSeq.length || !hooks.hasCapacity()) { waitSeq.push(s); waitDue.push(nextDue) }
        else hooks.fire(s, nextDue, lag)
        advance()
      }
      schedule(now)
    } finally {
      pumping = false
    }
  }

  const schedule = (now: number) => {
    let wake = nextDue ?? Infinity
    if (head < waitSeq.length) wake = Math.min(wake, waitDue[head]! + maxLag + 0.5)
    if (wake === Infinity) {
      if (timer) clearTimeout(timer)
      timer = undefined
      timerAt = Infinity
      finish?.()
      return
    }
    // A timer armed for no later than this wake-up stays: waking early only pumps once more.
    // (At saturation every response pumps; re-arming each time was a timer per request.)
    if (timer && timerAt <= wake) return
    if (timer) clearTimeout(timer)
    timerAt = Math.max(now, wake)
    timer = setTimeout(onTimer, timerAt - now)
  }

  const onTimer = () => {
    timer = undefined
    timerAt = Infinity
    pump()
  }

  return {
    run() {
      return new Promise((resolve) => {
        t0 = clock()
        finish = () => resolve({ planned: seq, startedAt: t0 })
        advance()
        pump()
      })
    },
    release() {
      if (head < waitSeq.length && !pumping) pump()
    },
    stop() {
      stopped = true
      nextDue = null
      if (!pumping) pump()
    },
  }
}
