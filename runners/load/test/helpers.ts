import { mkdtempSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import net, { type AddressInfo } from 'node:net'
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

/** Writes `bytes` to a real node:http server over loopback and returns the one request it parsed. */
export async function receiveRawRequest(bytes: Buffer): Promise<{ method: string; path: string; headers: Record<string, string>; body: Buffer }> {
  let socket: net.Socket | undefined
  const server = http.createServer()
  try {
    return await new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no request parsed within 5 s')), 5000)
      server.on('clientError', (err) => { clearTimeout(t); reject(err) })
      server.on('request', (req, res) => {
        const chunks: Buffer[] = []
        req.on('data', (d: Buffer) => chunks.push(d))
        req.on('end', () => {
          clearTimeout(t)
          res.end()
          resolve({ method: req.method!, path: req.url!, headers: req.headers as Record<string, string>, body: Buffer.concat(chunks) })
        })
      })
      server.listen(0, '127.0.0.1', () => {
        socket = net.connect((server.address() as AddressInfo).port, '127.0.0.1', () => socket!.write(bytes))
        socket.on('error', () => {})
      })
    })
  } finally {
    socket?.destroy()
    server.close()
  }
}
