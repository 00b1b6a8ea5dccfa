/**
 * Waits for the run's common start time (epoch ms), so shards on several
 * machines begin their first stage together and their per-second series line
 * up. Called after the fleet has connected. A shard that reaches the gate
 * late starts at once and says by how much (its plan then ends that much
 * later than the others').
 */
export async function waitForStart(startAt: number | undefined, clock: () => number = Date.now): Promise<{ lateMs: number }> {
  if (startAt === undefined) return { lateMs: 0 }
  const wait = startAt - clock()
  if (wait <= 0) return { lateMs: -wait }
  await new Promise((r) => setTimeout(r, wait))
  // setTimeout may fire a little early; the remaining sub-millisecond gap is closed by spinning on the clock.
  while (clock() < startAt) await new Promise((r) => setImmediate(r))
  return { lateMs: 0 }
}

/** A late start worth a warning: later than this, the shards' seconds no longer line up. */
const LATE_START_WARN_MS = 100

/** The warning for a shard that reached the start gate late. */
export function lateStartWarning(lateMs: number): string | undefined {
  return lateMs > LATE_START_WARN_MS ? `reached the common start time ${lateMs} ms late (connecting the fleet took longer): its stages began then, so its seconds lag the other shards'; set --start-at further ahead` : undefined
}
