import { PT } from './mqtt-codec.js'

/**
 * Whether `chunks` (as aedes writes one packet: fixed header, length, topic,
 * payload... in separate pieces) hold exactly one whole QoS 0 PUBLISH, read
 * without joining them: the gate can then drop it for a reader that is over
 * its slow-consumer limit without copying its payload first.
 */
export function isOneQos0Publish(chunks: readonly Buffer[]): boolean {
  const first = chunks[0]
  if (first === undefined || first.length === 0 || first[0]! >> 4 !== PT.PUBLISH || (first[0]! & 0x06) !== 0) return false
  let total = 0
  for (const c of chunks) total += c.length
  // Remaining Length: up to 4 bytes after the first, possibly spread over chunks.
  let value = 0
  let multiplier = 1
  let index = 1
  let chunk = 0
  let at = 1
  for (;;) {
    while (chunk < chunks.length && at >= chunks[chunk]!.length) { chunk++; at = 0 }
    if (chunk >= chunks.length || index > 4) return false
    const byte = chunks[chunk]![at++]!
    value += (byte & 0x7f) * multiplier
    if ((byte & 0x80) === 0) return total === 1 + index + value
    multiplier *= 128
    index++
  }
}
