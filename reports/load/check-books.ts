import { DM_BUCKETS, type LoadReport } from '../../spec/index.js'

/**
 * Whether the run's accounting reconciles. Direct messages: every planned
 * request in exactly one bucket, none pending or settled twice, every 200
 * with confirmation=true matched to a device receipt, no receipt that matches
 * no request or reached the wrong device. Pub/sub: every planned publish sent
 * or counted notSent, no orphans. Duplicates are counted, not a failure
 * (QoS 1 is at least once).
 */
export function checkBooks(r: Pick<LoadReport, 'dm' | 'pubsub'>): LoadReport['books'] {
  const problems: string[] = []
  const dm = r.dm
  if (dm) {
    const settled = DM_BUCKETS.reduce((s, b) => s + dm.buckets[b], 0)
    if (settled !== dm.planned) problems.push(`${dm.planned} requests planned but ${settled} settled in buckets`)
    if (dm.pending > 0) problems.push(`${dm.pending} requests never settled`)
    if (dm.doubleBooked > 0) problems.push(`${dm.doubleBooked} requests settled twice`)
    if (dm.sent + dm.buckets.notSent !== dm.planned) problems.push(`sent (${dm.sent}) + notSent (${dm.buckets.notSent}) != planned (${dm.planned})`)
    if (dm.receipts.unconfirmed > 0) problems.push(`${dm.receipts.unconfirmed} requests answered 200 with confirmation=true but no device received them`)
    if (dm.receipts.orphans > 0) problems.push(`${dm.receipts.orphans} device receipts match no request of this run`)
    if (dm.receipts.misrouted > 0) problems.push(`${dm.receipts.misrouted} messages reached a device other than the request's target`)
  }
  const ps = r.pubsub
  if (ps) {
    if (ps.sent + ps.notSent !== ps.planned) problems.push(`sent (${ps.sent}) + notSent (${ps.notSent}) != planned (${ps.planned})`)
    if (ps.orphans > 0) problems.push(`${ps.orphans} deliveries match no publish of this run`)
    if (ps.received - ps.duplicates + ps.lost !== ps.expected) problems.push(`received (${ps.received}) − duplicates (${ps.duplicates}) + lost (${ps.lost}) != expected (${ps.expected})`)
  }
  return { balanced: problems.length === 0, problems }
}
