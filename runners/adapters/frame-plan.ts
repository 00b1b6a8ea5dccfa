/**
 * How one `send` is cut into WebSocket data frames [MQTT-6.0.0-1] [MQTT-6.0.0-2]:
 * `split` is a frame count (near-equal sizes) or the sizes of the leading
 * frames (the rest, if any, goes in one more frame); `type` is the opcode.
 */
export interface FramePlan {
  split?: number | number[]
  type?: 'binary' | 'text'
}

/** The bytes cut as the plan says; never an empty frame, never a byte lost. */
export function splitFrames(bytes: Buffer, split: FramePlan['split']): Buffer[] {
  if (split === undefined) return [bytes]
  const sizes = typeof split === 'number' ? evenSizes(bytes.length, split) : split
  const out: Buffer[] = []
  let at = 0
  for (const size of sizes) {
    if (at >= bytes.length) break
    out.push(bytes.subarray(at, Math.min(bytes.length, at + size)))
    at += size
  }
  if (at < bytes.length) out.push(bytes.subarray(at))
  return out
}

function evenSizes(length: number, count: number): number[] {
  const n = Math.max(1, Math.min(count, length))
  const sizes: number[] = []
  for (let i = 0; i < n; i++) sizes.push(Math.floor(((i + 1) * length) / n) - Math.floor((i * length) / n))
  return sizes
}
