import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt } from '../../test/built-cli.js'
import { client, collect } from './helpers.js'

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
})
