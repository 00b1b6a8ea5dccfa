/**
 * What a server sent that is no MQTT packet, for a person: the first line when
 * it is printable text (`HTTP/1.0 400 Bad request`), else the bytes in hex.
 * At most `max` characters.
 */
export function describeBytes(bytes: Buffer, max = 80): string {
  const head = bytes.subarray(0, 256)
  const text = head.toString('latin1')
  const firstLine = text.split(/\r?\n/)[0] ?? ''
  if (firstLine.length >= 4 && /^[\x20-\x7e\t]+$/.test(firstLine)) return firstLine.length > max ? `${firstLine.slice(0, max)}…` : firstLine
  const hex = head.toString('hex').replace(/(..)(?=.)/g, '$1 ')
  return `bytes ${hex.length > max ? `${hex.slice(0, max)}…` : hex}`
}
