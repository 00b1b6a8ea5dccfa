import { spawn } from 'node:child_process'
import autocannon from 'autocannon'
import { Pool } from 'undici'
import { createDmRequestFactory } from '../runners/load/dm-request.js'
const SERVER = `
const http = require('node:http')
const s = http.createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"message":"OK","traceId":"1"}') }) })
s.keepAliveTimeout = 60000
s.listen(0, '127.0.0.1', () => process.stdout.write('PORT ' + s.address().port + '\\n'))
`
const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] })
const port = await new Promise<number>((resolve) => child.stdout!.on('data', (d: Buffer) => { const m = /PORT (\d+)/.exec(d.toString()); if (m) resolve(Number(m[1])) }))
const url = `http://127.0.0.1:${port}`
const make = createDmRequestFactory({ httpUrl: url, runId: 'bench', dm: { topic: 'hx/load/${run}/${device}', confirmation: true, timeout: 5, payloadBytes: 128 } })
let seq = 0
const fixed = make('device-1', { run: 'bench', slice: 0, seq: 1 })
// request building cost
let t = performance.now(); for (let i = 0; i < 200000; i++) make(`device-${i % 2000}`, { run: 'bench', slice: 0, seq: i }); console.log('build µs/req', (performance.now() - t) * 1000 / 200000)
async function undiciLoop(build: boolean, dispatch = false) {
  const pool = new Pool(url, { connections: 32, pipelining: 1 })
  let n = 0; const end = performance.now() + 4000
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (performance.now() < end) {
      const r = build ? make(`device-${seq % 2000}`, { run: 'bench', slice: 0, seq: seq++ }) : fixed
      const res = await pool.request({ path: r.path, method: 'POST', headers: r.headers, body: r.body })
      await res.body.dump(); n++
    }
  }))
  await pool.close(); return n / 4
}
for (let round = 0; round < 2; round++) {
  const raw = await autocannon({ url, connections: 32, duration: 4, method: 'POST', path: fixed.path, headers: fixed.headers, body: fixed.body })
  console.log('raw', raw.requests.total / raw.duration)
  console.log('undici fixed', await undiciLoop(false))
  console.log('undici build', await undiciLoop(true))
}
child.kill()
