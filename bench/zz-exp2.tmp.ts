import { spawn } from 'node:child_process'
import autocannon from 'autocannon'
import { Pool, type Dispatcher } from 'undici'
const SERVER = `
const http = require('node:http')
const s = http.createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"message":"OK","traceId":"1"}') }) })
s.keepAliveTimeout = 60000
s.listen(0, '127.0.0.1', () => process.stdout.write('PORT ' + s.address().port + '\\n'))
`
const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] })
const port = await new Promise<number>((resolve) => child.stdout!.on('data', (d: Buffer) => { const m = /PORT (\d+)/.exec(d.toString()); if (m) resolve(Number(m[1])) }))
const url = `http://127.0.0.1:${port}`
const path = '/connections/device-1/messages?topic=a%2Fb&confirmation=true&timeout=5'
const body = Buffer.alloc(128, 32)
const headers = { 'content-type': 'application/octet-stream', 'x-amz-mqtt5-correlation-data': 'YmVuY2gvMC8x' }
function legacy(pool: Pool): Promise<number> {
  return new Promise((resolve, reject) => {
    let status = 0
    pool.dispatch({ path, method: 'POST', headers, body }, {
      onConnect() {}, onHeaders(s: number) { status = s; return true }, onData() { return true },
      onComplete() { resolve(status) }, onError(e: Error) { reject(e) },
    } as unknown as Dispatcher.DispatchHandler)
  })
}
function modern(pool: Pool): Promise<number> {
  return new Promise((resolve, reject) => {
    let status = 0
    pool.dispatch({ path, method: 'POST', headers, body }, {
      onResponseStart(_c, s) { status = s }, onResponseData() {}, onResponseEnd() { resolve(status) }, onResponseError(_c, e) { reject(e) },
    })
  })
}
async function loop(kind: string) {
  const pool = new Pool(url, { connections: 32, pipelining: 1 })
  let n = 0; const end = performance.now() + 4000
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (performance.now() < end) {
      if (kind === 'legacy') await legacy(pool)
      else if (kind === 'modern') await modern(pool)
      else { const res = await pool.request({ path, method: 'POST', headers, body }); await res.body.dump() }
      n++
    }
  }))
  await pool.close(); return n / 4
}
for (let round = 0; round < 2; round++) {
  const raw = await autocannon({ url, connections: 32, duration: 4, method: 'POST', path, headers, body })
  console.log('raw', raw.requests.total / raw.duration)
  for (const k of ['request', 'modern']) console.log(k, await loop(k))
}
child.kill()
