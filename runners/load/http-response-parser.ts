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
  // The status line, read from the bytes: `HTTP/1.x NNN`.
  if (!isStatusLine(buf, headEnd)) throw new Error(`not an HTTP/1.1 status line: ${JSON.stringify(buf.toString('latin1', 0, Math.min(headEnd, 40)))}`)
  const status = (buf[9]! - 0x30) * 100 + (buf[10]! - 0x30) * 10 + (buf[11]! - 0x30)
  let contentLength = -1
  let chunked = false
  let close = buf[7] === 0x30 // HTTP/1.0
  // Only three headers matter, and each is found by comparing bytes: the others are skipped
  // without making a string of them (this runs once per response at peak rate).
  let at = lineEndOf(buf, 0, headEnd) + 2
  while (at < headEnd) {
    const end = lineEndOf(buf, at, headEnd)
    let first = at
    while (first < end && (buf[first] === 0x20 || buf[first] === 0x09)) first++
    const colon = buf.indexOf(0x3a, first)
    if (colon >= 0 && colon < end) {
      const header = headerAt(buf, first, colon)
      if (header === 'content-length') contentLength = digitsAt(buf, colon + 1, end)
      else if (header !== undefined) {
        const value = buf.toString('latin1', colon + 1, end)
        if (header === 'transfer-encoding') chunked = CHUNKED.test(value)
        else close = CLOSE.test(value) ? true : KEEP_ALIVE.test(value) ? false : close
      }
    }
    at = end + 2
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
  if (contentLength !== -1) {
    // RFC 9112 §6.3: a Content-Length that is not a number is an unrecoverable error.
    if (!Number.isFinite(contentLength)) throw new Error('bad content-length')
    if (buf.length < bodyStart + contentLength) { if (ended) throw new Error('connection closed in the body'); return null }
    return { status, body: buf.subarray(bodyStart, bodyStart + contentLength), length: bodyStart + contentLength, close }
  }
  // No length: the body runs to the connection's close.
  return ended ? { status, body: buf.subarray(bodyStart), length: buf.length, close: true } : null
}

/** A comma-separated list holding the token (any case, any spaces around it). */
const CHUNKED = /(?:^|,)[ \t]*chunked[ \t]*(?:,|$)/i
const CLOSE = /(?:^|,)[ \t]*close[ \t]*(?:,|$)/i
const KEEP_ALIVE = /keep-alive/i

/** The decimal number in buf[from, to) between optional spaces; NaN when it is not one. */
function digitsAt(buf: Buffer, from: number, to: number): number {
  while (from < to && (buf[from] === 0x20 || buf[from] === 0x09)) from++
  while (to > from && (buf[to - 1] === 0x20 || buf[to - 1] === 0x09)) to--
  if (from === to || to - from > 15) return NaN
  let n = 0
  for (let i = from; i < to; i++) {
    const d = buf[i]! - 0x30
    if (d < 0 || d > 9) return NaN
    n = n * 10 + d
  }
  return n
}

const HEADERS = ['content-length', 'transfer-encoding', 'connection'] as const
const HEADER_BYTES = HEADERS.map((h) => Buffer.from(h, 'latin1'))

/** `HTTP/1.0 NNN` or `HTTP/1.1 NNN` at the start of `buf`, within its head. */
function isStatusLine(buf: Buffer, headEnd: number): boolean {
  if (headEnd < 12 || buf.toString("latin1", 0, 7) !== "HTTP/1." || (buf[7] !== 0x30 && buf[7] !== 0x31) || buf[8] !== 0x20) return false
  for (let i = 9; i < 12; i++) if (buf[i]! < 0x30 || buf[i]! > 0x39) return false
  return headEnd === 12 || buf[12] === 0x20 || buf[12] === 0x0d
}

/** Where the line starting at `from` ends (its CR), or `limit`. */
function lineEndOf(buf: Buffer, from: number, limit: number): number {
  for (let i = from; i < limit; i++) if (buf[i] === 0x0d && buf[i + 1] === 0x0a) return i
  return limit
}

/** Which of the three headers the name in buf[from, colon) is (any case, whitespace before the colon allowed). */
function headerAt(buf: Buffer, from: number, colon: number): (typeof HEADERS)[number] | undefined {
  let to = colon
  while (to > from && (buf[to - 1] === 0x20 || buf[to - 1] === 0x09)) to--
  next: for (let h = 0; h < HEADERS.length; h++) {
    const name = HEADER_BYTES[h]!
    if (to - from !== name.length) continue
    for (let i = 0; i < name.length; i++) if ((buf[from + i]! | 0x20) !== name[i]) continue next
    return HEADERS[h]
  }
  return undefined
}
