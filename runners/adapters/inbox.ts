import type { NormalPacket } from './normalize-packet.js'

/** One received packet with its arrival time (ms since the scenario started). */
export interface InboxEntry {
  packet: NormalPacket
  t: number
  consumed: boolean
  /** Which connection of the client received it (1 for the first connect). */
  connection: number
}

/** How a connection ended. */
export interface CloseState {
  t: number
  /** The DISCONNECT the server sent before closing, if any. */
  disconnect?: NormalPacket
  error?: string
  /** The client closed it (disconnect step), not the server. */
  byClient?: boolean
}

/** Thrown by waits when the scenario is aborted (deadline, teardown). */
export class WaitAbortedError extends Error {
  constructor() {
    super('aborted')
    this.name = 'WaitAbortedError'
  }
}

/**
 * Everything one scenario client received, in arrival order, plus its
 * connection state. Steps wait on it with a deadline; matched packets are
 * consumed so a later step does not match the same packet again.
 */
export class Inbox {
  readonly entries: InboxEntry[] = []
  connection = 0
  /** Set when the current connection closed; reset by the next connect. */
  closed: CloseState | null = null
  /** Set when the server sent bytes the client could not decode. */
  protocolError: string | null = null
  private waiters = new Set<() => void>()

  constructor(private readonly clock: () => number) {}

  /** A new connection starts: close state resets; earlier packets stay (they may still be expected). */
  newConnection(): void {
    this.connection++
    this.closed = null
    this.closingByClient = false
    this.protocolError = null
    this.wake()
  }

  push(packet: NormalPacket): void {
    this.entries.push({ packet, t: this.clock(), consumed: false, connection: this.connection })
    this.wake()
  }

  /** Set by the adapter before it closes the connection itself. */
  closingByClient = false

  markClosed(info: { disconnect?: NormalPacket; error?: string }): void {
    if (this.closed) return
    this.closed = { t: this.clock(), ...info, ...(this.closingByClient ? { byClient: true } : {}) }
    this.wake()
  }

  markProtocolError(message: string): void {
    this.protocolError ??= message
    this.wake()
  }

  /** Unconsumed entries, oldest first. */
  pending(): InboxEntry[] {
    return this.entries.filter((e) => !e.consumed)
  }

  /**
   * Re-evaluates `check` on every arrival or close until it returns a value
   * (resolved) or `timeoutMs` passes (resolves undefined). Rejects with
   * WaitAbortedError when `signal` aborts.
   */
  async waitFor<R>(check: () => R | undefined, timeoutMs: number, signal?: AbortSignal): Promise<R | undefined> {
    const deadline = this.clock() + timeoutMs
    for (;;) {
      if (signal?.aborted) throw new WaitAbortedError()
      const r = check()
      if (r !== undefined) return r
      const left = deadline - this.clock()
      if (left <= 0) return undefined
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer)
          this.waiters.delete(done)
          signal?.removeEventListener('abort', done)
          resolve()
        }
        const timer = setTimeout(done, left)
        this.waiters.add(done)
        signal?.addEventListener('abort', done, { once: true })
      })
    }
  }

  /** Calls `fn` on every arrival, close or protocol error until the returned function is called. */
  onChange(fn: () => void): () => void {
    this.waiters.add(fn)
    return () => this.waiters.delete(fn)
  }

  private wake(): void {
    for (const w of [...this.waiters]) w()
  }
}

/**
 * Like Inbox.waitFor over several inboxes: re-evaluates `check` on an arrival
 * or close in any of them until it returns a value or `timeoutMs` passes.
 */
export async function waitForAny<R>(inboxes: readonly Inbox[], clock: () => number, check: () => R | undefined, timeoutMs: number, signal?: AbortSignal): Promise<R | undefined> {
  if (inboxes.length === 1) return inboxes[0]!.waitFor(check, timeoutMs, signal)
  const deadline = clock() + timeoutMs
  for (;;) {
    if (signal?.aborted) throw new WaitAbortedError()
    const r = check()
    if (r !== undefined) return r
    const left = deadline - clock()
    if (left <= 0) return undefined
    await new Promise<void>((resolve) => {
      const offs: (() => void)[] = []
      const done = () => {
        clearTimeout(timer)
        for (const off of offs) off()
        signal?.removeEventListener('abort', done)
        resolve()
      }
      const timer = setTimeout(done, left)
      for (const inbox of inboxes) offs.push(inbox.onChange(done))
      signal?.addEventListener('abort', done, { once: true })
    })
  }
}
