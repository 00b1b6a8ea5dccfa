const CHUNK = 65_536

type TypedArrayCtor<T> = { new (n: number): T }

/**
 * A growable array of numbers indexed by request sequence number, stored in
 * fixed-size typed chunks: a long soak keeps millions of requests' state in a
 * few bytes each instead of one object per request.
 */
export class SeqStore<T extends Uint8Array | Uint32Array | Float64Array> {
  private readonly chunks: T[] = []

  constructor(private readonly ctor: TypedArrayCtor<T>) {}

  get(i: number): number {
    const c = this.chunks[Math.floor(i / CHUNK)]
    return c ? c[i % CHUNK]! : 0
  }

  set(i: number, v: number): void {
    const k = Math.floor(i / CHUNK)
    while (this.chunks.length <= k) this.chunks.push(new this.ctor(CHUNK))
    this.chunks[k]![i % CHUNK] = v
  }
}
