import type { OutFrame } from './split-frame.js'

/**
 * A first-in first-out queue whose `shift` costs the same at any length.
 * (`Array.prototype.shift` moves the whole backing store once an array is large,
 * and the outbound shaper can hold tens of thousands of frames for a client that
 * acknowledges slower than its subscriptions deliver.)
 */
export class Fifo<T> {
  private items: (T | undefined)[] = []
  private head = 0

  get length(): number {
    return this.items.length - this.head
  }

  push(item: T): void {
    this.items.push(item)
  }

  /** The oldest item, left in place; undefined when empty. */
  peek(): T | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined
  }

  /** The oldest item, removed; undefined when empty. */
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined
    const item = this.items[this.head]
    this.items[this.head++] = undefined
    if (this.head === this.items.length) {
      this.items = []
      this.head = 0
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      // Drop the consumed front once it is at least half of the array: amortised O(1).
      this.items = this.items.slice(this.head)
      this.head = 0
    }
    return item
  }

  clear(): void {
    this.items = []
    this.head = 0
  }
}

/** A Fifo of frames (whole or split around a shared payload) that knows how many bytes it holds. */
export class FrameFifo extends Fifo<OutFrame> {
  bytes = 0

  override push(frame: OutFrame): void {
    super.push(frame)
    this.bytes += frame.length
  }

  override shift(): OutFrame | undefined {
    const frame = super.shift()
    if (frame) this.bytes -= frame.length
    return frame
  }

  override clear(): void {
    super.clear()
    this.bytes = 0
  }
}
