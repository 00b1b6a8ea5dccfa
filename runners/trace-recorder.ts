import type { TraceEntry } from '../spec/index.js'

/** Most entries a failure carries: the tail of the trace is what explains it. */
const MAX_TRACE_ENTRIES = 200

/**
 * Every packet and HTTP exchange of one scenario, for failure reports. All
 * adapters of the scenario write here with their client name.
 */
export class TraceRecorder {
  readonly entries: TraceEntry[] = []

  constructor(private readonly clock: () => number) {}

  record(client: string, dir: TraceEntry['dir'], summary: Record<string, unknown>): void {
    this.entries.push({ t: Math.round(this.clock() * 10) / 10, client, dir, summary })
  }

  /** The last entries, oldest first. */
  tail(max = MAX_TRACE_ENTRIES): TraceEntry[] {
    return this.entries.slice(-max)
  }
}
