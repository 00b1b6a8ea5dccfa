import { DM_BUCKETS, type DmBucket, type DmResult } from '../../spec/index.js'
import { createLatencyHistogram, encodeHistogram, recordMs, type Histogram } from '../../reports/index.js'
import { SeqStore } from './seq-store.js'
import type { SeriesRecorder } from './series-recorder.js'

const PENDING = 0
const BUCKET_CODE = new Map<DmBucket, number>(DM_BUCKETS.map((b, i) => [b, i + 1]))
const CODE_200 = BUCKET_CODE.get('200')!
const SAMPLES_PER_BUCKET = 3

/**
 * The books of a direct-message run. Every planned request is settled in
 * exactly one bucket; every PUBLISH a device receives is matched to its
 * request by correlation id (duplicates, orphans and misrouted copies
 * counted); latencies go into HDR histograms. `finish()` says whether the
 * books balance.
 */
export class DmLedger {
  private maxSeq = -1
  private sentCount = 0
  private readonly counts = Object.fromEntries(DM_BUCKETS.map((b) => [b, 0])) as Record<DmBucket, number>
  private readonly otherStatuses: Record<string, number> = {}
  private readonly notSentReasons: Record<string, number> = {}
  private readonly samples: Record<string, string[]> = {}
  private readonly status = new SeqStore(Uint8Array)
  private readonly receipts = new SeqStore(Uint8Array)
  /** Target device index + 1 (0: never sent). */
  private readonly target = new SeqStore(Uint32Array)
  private readonly sentAt = new SeqStore(Float64Array)
  /** Device PUBACK times of requests still waiting for their response. */
  private readonly acks = new Map<number, number>()
  private receivedCount = 0
  private duplicates = 0
  private orphans = 0
  private misrouted = 0
  private doubleBooked = 0
  private readonly h = {
    response: createLatencyHistogram(),
    sent: createLatencyHistogram(),
    receipt: createLatencyHistogram(),
    ack: createLatencyHistogram(),
    lag: createLatencyHistogram(),
    byBucket: new Map<DmBucket, Histogram>(),
  }

  constructor(private readonly opts: { confirmation: boolean; series: SeriesRecorder }) {}

  /** The scheduler reached request `seq`'s due time. */
  planned(seq: number, due: number): void {
    if (seq > this.maxSeq) this.maxSeq = seq
    this.opts.series.count('planned', due)
  }

  /** Request `seq` goes out now to device `device` (index), `lagMs` after its due time. */
  sent(seq: number, device: number, at: number, lagMs: number): void {
    this.sentCount++
    this.target.set(seq, device + 1)
    this.sentAt.set(seq, at)
    recordMs(this.h.lag, lagMs)
    this.opts.series.count('sent', at)
  }

  /** Request `seq` was never sent: the generator was behind, or no connection was free in time. */
  notSent(seq: number, at: number, reason: 'behind' | 'saturated'): void {
    if (this.status.get(seq) === PENDING) this.notSentReasons[reason] = (this.notSentReasons[reason] ?? 0) + 1
    this.settle(seq, 'notSent', at)
  }

  /**
   * Request `seq` ended: a response status or a client-side failure, `at`
   * (clock ms), due at `due`. Latencies: due→end always; send→end and, for a
   * 200 the device acknowledged, PUBACK→200.
   */
  settle(seq: number, bucket: DmBucket, at: number, due?: number, detail?: { status?: number; sample?: string }): void {
    if (this.status.get(seq) !== PENDING) {
      this.doubleBooked++
      return
    }
    this.status.set(seq, BUCKET_CODE.get(bucket)!)
    this.counts[bucket]++
    if (bucket === 'otherStatus' && detail?.status !== undefined) this.otherStatuses[detail.status] = (this.otherStatuses[detail.status] ?? 0) + 1
    if (detail?.sample) {
      const list = (this.samples[bucket] ??= [])
      if (list.length < SAMPLES_PER_BUCKET) list.push(detail.sample.slice(0, 300))
    }
    const ackAt = this.acks.get(seq)
    if (ackAt !== undefined) this.acks.delete(seq)
    if (bucket === 'notSent' || due === undefined) {
      this.opts.series.count('notSent', at)
      this.opts.series.outcome(bucket, at)
      return
    }
    const fromDue = at - due
    recordMs(this.h.response, fromDue)
    let hb = this.h.byBucket.get(bucket)
    if (!hb) this.h.byBucket.set(bucket, (hb = createLatencyHistogram()))
    recordMs(hb, fromDue)
    const sentAt = this.sentAt.get(seq)
    if (sentAt) recordMs(this.h.sent, at - sentAt)
    if (bucket === '200' && ackAt !== undefined) recordMs(this.h.ack, at - ackAt)
    this.opts.series.outcome(bucket, at, fromDue)
  }

  /**
   * A device received a PUBLISH carrying correlation id `seq` (null when it
   * carried none of ours). Counts the receipt against the request it answers.
   */
  receipt(seq: number | null, device: number, at: number): void {
    const target = seq === null ? 0 : this.target.get(seq)
    if (seq === null || target === 0) {
      this.orphans++
      return
    }
    if (target !== device + 1) {
      this.misrouted++
      return
    }
    const n = this.receipts.get(seq)
    if (n >= 1) this.duplicates++
    else {
      this.receivedCount++
      recordMs(this.h.receipt, at - this.sentAt.get(seq))
    }
    this.receipts.set(seq, Math.min(255, n + 1))
  }

  /** The target device sent its PUBACK for request `seq` at `at`. */
  acked(seq: number, at: number): void {
    if (this.status.get(seq) === PENDING && this.target.get(seq) !== 0) this.acks.set(seq, at)
  }

  /** Running totals for the progress line. */
  snapshot(): { planned: number; sent: number; buckets: Readonly<Record<DmBucket, number>>; received: number } {
    return { planned: this.maxSeq + 1, sent: this.sentCount, buckets: this.counts, received: this.receivedCount }
  }

  /** Requests not settled yet. */
  get outstanding(): number {
    return this.maxSeq + 1 - DM_BUCKETS.reduce((s, b) => s + this.counts[b], 0)
  }

  /** Confirmation=false 200s still waiting for their QoS 0 receipt (to end the drain early). */
  awaitingReceipts(): number {
    let n = 0
    for (let i = 0; i <= this.maxSeq; i++) if (this.status.get(i) === CODE_200 && this.receipts.get(i) === 0) n++
    return n
  }

  /** Closes the books: counts, receipts reconciled against statuses, histograms encoded. */
  finish(): DmResult {
    let pending = 0, received = 0, delivered = 0, unconfirmed = 0, undelivered = 0
    for (let i = 0; i <= this.maxSeq; i++) {
      const st = this.status.get(i)
      const got = this.receipts.get(i) > 0
      if (st === PENDING) pending++
      if (got) received++
      if (st === CODE_200) {
        if (got) delivered++
        else if (this.opts.confirmation) unconfirmed++
        else undelivered++
      }
    }
    const byBucket: Record<string, ReturnType<typeof encodeHistogram>> = {}
    for (const [b, hist] of this.h.byBucket) byBucket[b] = encodeHistogram(hist)
    return {
      planned: this.maxSeq + 1,
      sent: this.sentCount,
      buckets: { ...this.counts },
      otherStatuses: { ...this.otherStatuses },
      notSentReasons: { ...this.notSentReasons },
      receipts: { received, delivered, duplicates: this.duplicates, orphans: this.orphans, misrouted: this.misrouted, unconfirmed, undelivered },
      pending,
      doubleBooked: this.doubleBooked,
      latency: {
        response: encodeHistogram(this.h.response),
        byBucket,
        sent: encodeHistogram(this.h.sent),
        receipt: encodeHistogram(this.h.receipt),
        ack: encodeHistogram(this.h.ack),
        lag: encodeHistogram(this.h.lag),
      },
      samples: { ...this.samples },
    }
  }
}
