/**
 * One HTTP/1.1 POST as the bytes that go on the wire: request line, `host`,
 * the given headers (lower-case names), `content-length`, blank line, body.
 * One buffer, so the request leaves in one write.
 */
export function httpPostBytes(host: string, path: string, headers: Record<string, string>, body: Buffer): Buffer {
  let head = `POST ${path} HTTP/1.1\r\nhost: ${host}\r\n`
  for (const k in headers) head += `${k}: ${headers[k]}\r\n`
  head += `content-length: ${body.length}\r\n\r\n`
  const bytes = Buffer.allocUnsafe(head.length + body.length)
  bytes.write(head, 0, 'latin1')
  body.copy(bytes, head.length)
  return bytes
}
