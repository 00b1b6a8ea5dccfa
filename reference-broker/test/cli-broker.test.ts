import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import net from 'node:net'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt } from '../../test/built-cli.js'
import { client, collect } from './helpers.js'
import { makeTlsMaterial } from '../../test/tls-material.js'

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'mqtt-harness.js')

function run(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => { stdout += d })
  child.stderr.on('data', (d) => { stderr += d })
  const exited = new Promise<number | null>((resolve, reject) => {
    const t = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`no exit within 30 s; stderr: ${stderr}`)) }, 30_000)
    child.once('exit', (code) => { clearTimeout(t); resolve(code) })
  })
  return { child, exited, out: () => stdout, err: () => stderr }
}

async function waitForOutput(get: () => string, re: RegExp, ms: number): Promise<RegExpMatchArray> {
  const deadline = Date.now() + ms
  for (;;) {
    const m = get().match(re)
    if (m) return m
    if (Date.now() > deadline) throw new Error(`output did not match ${re} within ${ms} ms: ${get()}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

beforeAll(() => ensureBuilt(), 180_000)

describe('mqtt-harness broker (the real CLI, from dist/)', () => {
  it('refuses a TLS port without a certificate: no TLS listener exists then (exit 2)', async () => {
    for (const flag of ['--tls-port', '--https-port']) {
      const r = run(['broker', '--mqtt-port', '0', flag, '0'])
      expect(await r.exited, flag).toBe(2)
      expect(r.err()).toMatch(/--tls-port and --https-port need --tls-cert and --tls-key/)
    }
  })

  it.each(['SIGINT', 'SIGTERM'] as const)('prints where it listens, serves MQTT, and stops cleanly on %s', async (signal) => {
    const p = run(['broker', '--mqtt-port', '0', '--ws-port', '0', '--http-port', '0', '--verbose'])
    const [, url] = await waitForOutput(p.out, /mqtt\s+(mqtt:\/\/127\.0\.0\.1:\d+)/, 30_000)
    const c = await client(url!)
    const got = collect(c)
    await c.subscribeAsync('cli/t', { qos: 1 })
    await c.publishAsync('cli/t', 'hi', { qos: 1 })
    await got.waitFor(1)
    await waitForOutput(p.err, /"event":"connect"/, 5000)
    c.end(true)
    p.child.kill(signal)
    expect(await p.exited).toBe(0)
    expect(p.out()).toContain('reference broker stopped')
  })

  it('refuses a bad config file with the file, field and line, exit code 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-'))
    const file = join(dir, 'broken.yaml')
    writeFileSync(file, 'sessions:\n  expirySeconds: -1\n')
    const p = run(['broker', '--config', file, '--mqtt-port', '0'])
    expect(await p.exited).toBe(2)
    expect(p.err()).toContain(file)
    expect(p.err()).toMatch(/sessions\.expirySeconds \(line 2:\d+\)/)
    expect(p.err()).toContain('HX_PROFILE_INVALID')
    expect(p.err()).not.toMatch(/\n\s+at /) // no stack trace for a user mistake
  })

  it('a port in use is an error naming the port, exit code 2', async () => {
    const first = run(['broker', '--mqtt-port', '0', '--ws-port', '0', '--http-port', '0'])
    const [, port] = await waitForOutput(first.out, /mqtt\s+mqtt:\/\/127\.0\.0\.1:(\d+)/, 30_000)
    const second = run(['broker', '--mqtt-port', port!, '--ws-port', '0', '--http-port', '0'])
    expect(await second.exited).toBe(2)
    expect(second.err()).toMatch(new RegExp(`127\\.0\\.0\\.1:${port}.*EADDRINUSE`))
    first.child.kill('SIGTERM')
    expect(await first.exited).toBe(0)
  })

  it.each(['mqtt', 'ws', 'http', 'tls', 'https'])('a busy --%s-port: one HX_BROKER_LISTEN line on stderr, no stack, exit code 2', async (kind) => {
    const holder = net.createServer()
    await new Promise<void>((resolve, reject) => { holder.once('error', reject); holder.listen(0, '127.0.0.1', resolve) })
    const busy = String((holder.address() as net.AddressInfo).port)
    try {
      const m = tlsFiles()
      const ports = Object.fromEntries(['mqtt', 'ws', 'http', 'tls', 'https'].map((k) => [k, k === kind ? busy : '0']))
      const p = run(['broker', '--tls-cert', m.cert, '--tls-key', m.key, ...Object.entries(ports).flatMap(([k, v]) => [`--${k}-port`, v])])
      expect(await p.exited).toBe(2)
      const lines = p.err().trim().split('\n')
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(new RegExp(`^mqtt-harness broker: cannot listen for .* on 127\\.0\\.0\\.1:${busy}: EADDRINUSE \\(HX_BROKER_LISTEN\\)$`))
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()))
    }
  })

  it('TLS material that is missing or not PEM: one HX_BROKER_LISTEN line, no stack, exit code 2, nothing left listening', async () => {
    const bad = join(mkdtempSync(join(tmpdir(), 'cli-')), 'bad.pem')
    writeFileSync(bad, 'not a certificate\n')
    for (const [cert, key, says] of [[join(tmpdir(), 'no-such-dir-hx', 'c.pem'), bad, 'ENOENT'], [bad, bad, 'unusable TLS material']] as const) {
      const p = run(['broker', '--mqtt-port', '0', '--ws-port', 'off', '--http-port', 'off', '--tls-port', '0', '--https-port', 'off', '--tls-cert', cert, '--tls-key', key])
      expect(await p.exited).toBe(2)
      const lines = p.err().trim().split('\n')
      expect(lines).toHaveLength(1)
      expect(lines[0]).toContain(says)
      expect(lines[0]).toMatch(/\(HX_BROKER_LISTEN\)$/)
    }
  })

  it('--<kind>-port off switches a listener off; a bad port value is a usage error (exit 2)', async () => {
    const p = run(['broker', '--mqtt-port', '0', '--ws-port', 'off', '--http-port', 'off'])
    await waitForOutput(p.out, /authorization:/, 10_000)
    expect(p.out()).toMatch(/mqtt\s+mqtt:\/\/127\.0\.0\.1:\d+/)
    expect(p.out()).not.toMatch(/ws:\/\/|http:\/\//)
    p.child.kill('SIGTERM')
    expect(await p.exited).toBe(0)
    const bad = run(['broker', '--ws-port', 'of'])
    expect(await bad.exited).toBe(2)
    expect(bad.err()).toContain('not a port number or "off": of')
  })
})

let tlsPaths: { cert: string; key: string } | null = null
/** Server certificate and key as files (made once). */
function tlsFiles(): { cert: string; key: string } {
  if (tlsPaths) return tlsPaths
  const m = makeTlsMaterial()
  tlsPaths = { cert: join(m.dir, 'server.pem'), key: join(m.dir, 'server.key') }
  return tlsPaths
}
