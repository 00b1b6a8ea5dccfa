import { DM_BUCKETS, type DmResult, type EncodedHistogram, type FleetResult, type LoadAbort, type PubsubResult, type SeriesPoint } from '../../spec/index.js'
import { addEncodedHistograms, emptyHistogram } from './latency-histogram.js'

const sum = <T>(list: readonly T[], f: (x: T) => number) => list.reduce((s, x) => s + f(x), 0)
const addRecords = (list: readonly Record<string, number>[]) => {
  const out: Record<string, number> = {}
  for (const r of list) for (const [k, v] of Object.entries(r)) out[k] = (out[k] ?? 0) + v
  return out
}
const addHist = (list: readonly (EncodedHistogram | undefined)[]) => {
  const present = list.filter((h): h is EncodedHistogram => h !== undefined)
  return present.length ? addEncodedHistograms(present) : emptyHistogram()
}

/** Adds the fleets of several slices; CONNACK histograms add exactly. */
export function mergeFleet(list: readonly FleetResult[]): FleetResult {
  const heap = list.filter((f) => f.heapBytesPerDevice !== undefined)
  const heapDevices = sum(heap, (f) => f.connected)
  return {
    devices: sum(list, (f) => f.devices),
    connected: sum(list, (f) => f.connected),
    connectFailures: sum(list, (f) => f.connectFailures),
    disconnects: sum(list, (f) => f.disconnects),
    plannedDisconnects: sum(list, (f) => f.plannedDisconnects),
    reconnects: sum(list, (f) => f.reconnects),
    connack: addHist(list.map((f) => f.connack)),
    ...(heapDevices > 0 ? { heapBytesPerDevice: Math.round(sum(heap, (f) => f.heapBytesPerDevice! * f.connected) / heapDevices) } : {}),
    connectErrorSamples: list.flatMap((f) => f.connectErrorSamples).slice(0, 5),
  }
}

/** Adds the direct-message books of several slices: counts add, histograms add bucket by bucket. */
export function mergeDm(list: readonly DmResult[]): DmResult {
  const buckets = Object.fromEntries(DM_BUCKETS.map((b) => [b, sum(list, (d) => d.buckets[b])])) as DmResult['buckets']
  const receiptKeys = Object.keys(list[0]?.receipts ?? {}) as (keyof DmResult['receipts'])[]
  const bucketNames = [...new Set(list.flatMap((d) => Object.keys(d.latency.byBucket)))]
  const samples: Record<string, string[]> = {}
  for (const d of list) for (const [k, v] of Object.entries(d.samples)) samples[k] = [...(samples[k] ?? []), ...v].slice(0, 3)
  return {
    planned: sum(list, (d) => d.planned),
    sent: sum(list, (d) => d.sent),
    buckets,
    otherStatuses: addRecords(list.map((d) => d.otherStatuses)),
    notSentReasons: addRecords(list.map((d) => d.notSentReasons)),
    receipts: Object.fromEntries(receiptKeys.map((k) => [k, sum(list, (d) => d.receipts[k])])) as DmResult['receipts'],
    pending: sum(list, (d) => d.pending),
    doubleBooked: sum(list, (d) => d.doubleBooked),
    latency: {
      response: addHist(list.map((d) => d.latency.response)),
      byBucket: Object.fromEntries(bucketNames.map((b) => [b, addHist(list.map((d) => d.latency.byBucket[b]))])),
      sent: addHist(list.map((d) => d.latency.sent)),
      receipt: addHist(list.map((d) => d.latency.receipt)),
      ack: addHist(list.map((d) => d.latency.ack)),
      lag: addHist(list.map((d) => d.latency.lag)),
    },
    samples,
  }
}

/** Adds pub/sub results of several slices. */
export function mergePubsub(list: readonly PubsubResult[]): PubsubResult {
  const first = list[0]!
  const n = (k: keyof PubsubResult) => sum(list, (p) => p[k] as number)
  return {
    publishers: n('publishers'), subscribers: n('subscribers'), qos: first.qos, pattern: first.pattern,
    planned: n('planned'), sent: n('sent'), notSent: n('notSent'), publishErrors: n('publishErrors'),
    expected: n('expected'), received: n('received'), lost: n('lost'), duplicates: n('duplicates'), reordered: n('reordered'), orphans: n('orphans'),
    latency: { pubsub: addHist(list.map((p) => p.latency.pubsub)), lag: addHist(list.map((p) => p.latency.lag)) },
  }
}

/** Adds per-second series second by second (each slice counts from its own start). */
export function mergeSeries(list: readonly (readonly SeriesPoint[])[]): SeriesPoint[] {
  const len = Math.max(0, ...list.map((s) => s.length))
  const out: SeriesPoint[] = []
  for (let t = 0; t < len; t++) {
    const points = list.map((s) => s[t]).filter((p): p is SeriesPoint => p !== undefined)
    out.push({
      t,
      planned: sum(points, (p) => p.planned),
      sent: sum(points, (p) => p.sent),
      notSent: sum(points, (p) => p.notSent),
      outcomes: addRecords(points.map((p) => p.outcomes)),
      latency: points.length === 1 ? points[0]!.latency : addHist(points.map((p) => p.latency)),
    })
  }
  return out
}

/** The abort that stopped the run: the earliest any part (slice or shard) recorded. */
export function earliestAbort(parts: readonly { aborted?: LoadAbort }[]): LoadAbort | undefined {
  return parts.flatMap((p) => (p.aborted ? [p.aborted] : [])).sort((a, b) => a.at.localeCompare(b.at))[0]
}
