/** One parsed HTTP/1.1 response. */
export interface ParsedResponse {
  status: number
  body: Buffer
  /** Bytes of the buffer this response took. */
  length: number
  /** The server will close the connection (Connection: close, or a body delimited by the close). */
  close: boolean
}

const CRLFCRLF = Buffer.from('\r\n\r\n')
const CRLF = Buffer.from('\r\n')

/**
 * Parses one HTTP/1.1 response from the start of `buf`: a status line,
 * headers, and a body delimited by content-length, chunked transfer coding,
 * or (neither) the connection's close. Returns null while more bytes are
 * needed; `ended` says the connection closed, which ends a close-delimited
 * body. Throws on a malformed response. Responses here are small, so a
 * partial one is parsed again from its start when more bytes come.
 */
export function parseHttpResponse(buf: Buffer, ended = false, requestMethod = 'POST'): ParsedResponse | null {
  const headEnd = buf.indexOf(CRLFCRLF)
  if (headEnd < 0) {
    if (buf.length > 64 * 1024) throw new Error('response head over 64 KiB')
    if (ended) throw new Error('connection closed in the response head')
    return null
  }
  const head = buf.toString('latin1', 0, headEnd)
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(head)
  if (!m) throw new Error(`not an HTTP/1.1 status line: ${JSON.stringify(head.slice(0, 40))}`)
  const status = Number(m[1])
  let contentLength = -1
  let chunked = false
  let close = head.startsWith('HTTP/1.0')
  const lines = head.split('\r\n')
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!
    const colon = line.indexOf(':')
    if (colon < 0) continue
    const name = line.slice(0, colon).trim().toLowerCase()
    const value = line.slice(colon + 1).trim().toLowerCase()
    if (name === 'content-length') contentLength = Number(value)
    else if (name === 'transfer-encoding') chunked = value.split(',').map((s) => s.trim()).includes('chunked')
    else if (name === 'connection') close = value.split(',').map((s) => s.trim()).includes('close') ? true : value.includes('keep-alive') ? false : close
  }
  const bodyStart = headEnd + 4
  if (status === 204 || status === 304 || (status >= 100 && status < 200) || requestMethod === 'HEAD') {
    return { status, body: Buffer.alloc(0), length: bodyStart, close }
  }
  if (chunked) {
    const parts: Buffer[] = []
    let at = bodyStart
    for (;;) {
      const lineEnd = buf.indexOf(CRLF, at)
      if (lineEnd < 0) { if (ended) throw new Error('connection closed in a chunk size'); return null }
      const size = parseInt(buf.toString('latin1', at, lineEnd).split(';')[0]!, 16)
      if (!Number.isFinite(size) || size < 0) throw new Error('bad chunk size')
      if (size === 0) {
        // Trailers (usually none) end with an empty line.
        const end = buf.indexOf(CRLF, lineEnd + 2) === lineEnd + 2 ? lineEnd + 4 : buf.indexOf(CRLFCRLF, lineEnd + 2) + 4
        if (end < 4 || end > buf.length) { if (ended) throw new Error('connection closed in the trailers'); return null }
        return { status, body: Buffer.concat(parts), length: end, close }
      }
      if (buf.length < lineEnd + 2 + size + 2) { if (ended) throw new Error('connection closed in a chunk'); return null }
      parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size))
      at = lineEnd + 2 + size + 2
    }
  }
  if (contentLength >= 0) {
    if (!Number.isFinite(contentLength)) throw new Error('bad content-length')
    if (buf.length < bodyStart + contentLength) { if (ended) throw new Error('connection closed in the body'); return null }
    return { status, body: buf.subarray(bodyStart, bodyStart + contentLength), length: bodyStart + contentLength, close }
  }
  // No length: the body runs to the connection's close.
  return ended ? { status, body: buf.subarray(bodyStart), length: buf.length, close: true } : null
}
