import { mkdtempSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A temp folder with the given files written into it. */
export function tempFiles(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'hx-load-test-'))
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  return dir
}

/**
 * An HTTP server with a fixed service time and `workers` requests served at
 * once; the rest wait in a FIFO queue, as in an overloaded backend. Answers
 * 200 `{message, traceId}` like SendDirectMessage.
 */
export async function startQueueingServer(opts: { serviceMs: number; workers: number }) {
  const queue: http.ServerResponse[] = []
  let busy = 0
  let maxBusy = 0
  let served = 0
  const next = () => {
    while (busy < opts.workers && queue.length > 0) {
      const res = queue.shift()!
      busy++
      maxBusy = Math.max(maxBusy, busy)
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'OK', traceId: String(++served) }))
        busy--
        next()
      }, opts.serviceMs)
    }
  }
  const server = http.createServer((req, res) => {
    req.resume()
    req.on('end', () => { queue.push(res); next() })
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stats: () => ({ served, maxBusy }),
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()) }),
  }
}
