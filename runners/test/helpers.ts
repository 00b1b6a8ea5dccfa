import net from 'node:net'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createStepDefinitionRegistry, parseScenarioText, type Scenario, type VarValue } from '../../spec/index.js'

/** Scenarios from inline YAML; fails the test with every issue when the text is invalid. */
export function scenariosFrom(text: string, limits: Record<string, VarValue>, file = 'inline.yaml'): Scenario[] {
  const { scenarios, issues } = parseScenarioText(text, file, { limits, registry: createStepDefinitionRegistry() })
  if (issues.length) throw new Error(`invalid test scenario:\n${issues.map((i) => `${i.line}:${i.col} ${i.path}: ${i.message}`).join('\n')}`)
  return scenarios
}

/** A temp folder with files written into it. */
export function tempDir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'hx-runners-'))
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true })
    writeFileSync(join(dir, name), text)
  }
  return dir
}

export type FakeBehaviour = 'silent' | 'garbage' | 'reset'

/**
 * A TCP server on 127.0.0.1 port 0 that misbehaves as an MQTT broker: never
 * answers, answers bytes that are no MQTT packet, or resets the connection.
 * With `answerProbe`, a CONNECT from the harness's target probe (client id
 * `hx-probe-...`) gets a CONNACK first, so the target resolves and scenarios
 * meet the misbehaviour.
 */
export async function startFakeBroker(behaviour: FakeBehaviour, opts: { answerProbe?: boolean } = {}): Promise<{ url: string; port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((s) => {
    sockets.add(s)
    s.on('error', () => {})
    s.on('close', () => sockets.delete(s))
    s.once('data', (first: Buffer) => {
      if (opts.answerProbe && first.includes('hx-probe-')) {
        // CONNACK for the CONNECT's protocol level (byte 8 after the fixed header and "MQTT" name): v5 has a property length.
        s.write(Buffer.from(first[8] === 5 ? '2003000000' : '20020000', 'hex'))
        return
      }
      if (behaviour === 'garbage') s.write(Buffer.from('ff0300000102030405', 'hex'))
      if (behaviour === 'reset') s.resetAndDestroy()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy()
      server.close(() => resolve())
    }),
  }
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
