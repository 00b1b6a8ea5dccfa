/** One (subscriber, publisher) stream of sequence numbers. */
interface Stream {
  next: number
  unique: number
  missing: Set<number> | undefined
}

/**
 * Loss, duplicates and reordering per (subscriber, publisher) stream from
 * per-publisher sequence numbers. In-order delivery costs nothing per message;
 * only gaps are remembered (a later arrival that fills a gap is reordered, a
 * second copy of a seen number is a duplicate).
 */
export class StreamTracker {
  private readonly streams = new Map<number, Stream>()
  duplicates = 0
  reordered = 0
  received = 0

  constructor(private readonly publishers: number) {}

  /** Subscriber `sub` received publisher `pub`'s message `seq`. Returns false for a duplicate. */
  record(sub: number, pub: number, seq: number): boolean {
    this.received++
    const key = sub * this.publishers + pub
    let s = this.streams.get(key)
    if (!s) this.streams.set(key, (s = { next: 0, unique: 0, missing: undefined }))
    if (seq === s.next) {
      s.next++
      s.unique++
      return true
    }
    if (seq > s.next) {
      s.missing ??= new Set()
      for (let k = s.next; k < seq; k++) s.missing.add(k)
      s.next = seq + 1
      s.unique++
      return true
    }
    if (s.missing?.delete(seq)) {
      this.reordered++
      s.unique++
      return true
    }
    this.duplicates++
    return false
  }

  /** Distinct messages subscriber `sub` received from publisher `pub`. */
  unique(sub: number, pub: number): number {
    return this.streams.get(sub * this.publishers + pub)?.unique ?? 0
  }

  /** Distinct messages received over all streams. */
  totalUnique(): number {
    let n = 0
    for (const s of this.streams.values()) n += s.unique
    return n
  }
}
