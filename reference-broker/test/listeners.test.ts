import net from 'node:net'
import tls from 'node:tls'
import { beforeAll, describe, expect, it } from 'vitest'
import { broker, client, collect, raw, uid } from './helpers.js'
import { makeTlsMaterial, type TlsMaterial } from '../../test/tls-material.js'
import { RawMqttClient } from '../../runners/index.js'
import { ListenError, startReferenceBroker, type ReferenceBrokerOptions } from '../index.js'

/** A port held by a plain TCP server on 127.0.0.1 for the length of `body`. */
async function withBusyPort<T>(body: (port: number) => Promise<T>): Promise<T> {
  const holder = net.createServer()
  await new Promise<void>((resolve, reject) => { holder.once('error', reject); holder.listen(0, '127.0.0.1', resolve) })
  try {
    return await body((holder.address() as net.AddressInfo).port)
  } finally {
    await new Promise<void>((resolve) => holder.close(() => resolve()))
  }
}

let m: TlsMaterial
beforeAll(() => { m = makeTlsMaterial() })

describe('listeners', () => {
  it('MQTT over TLS with the server certificate verified against the test CA', async () => {
    const b = await broker({ tls: { key: m.serverKey, cert: m.serverCert } })
    expect(b.urls.mqtts).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/)
    const c = await client(b.urls.mqtts!, { ca: m.ca, servername: 'localhost', protocolVersion: 5 })
    const got = collect(c)
    await c.subscribeAsync('tls/t', { qos: 1 })
    await c.publishAsync('tls/t', 'secure', { qos: 1 })
    expect((await got.waitFor(1))[0]!.payload.toString()).toBe('secure')
  })

  it('mutual TLS: a client certificate from the CA is accepted and identifies the client', async () => {
    const b = await broker({ tls: { key: m.serverKey, cert: m.serverCert, ca: m.ca, requestCert: true } })
    const id = uid()
    await client(b.urls.mqtts!, { ca: m.ca, servername: 'localhost', key: m.clientKey, cert: m.clientCert, clientId: id })
    expect(b.broker.connection(id)?.info.certificateSubject).toBe('device-001')
  })

  it('mutual TLS: no certificate, or one from another CA, is refused in the handshake', async () => {
    const b = await broker({ tls: { key: m.serverKey, cert: m.serverCert, ca: m.ca, requestCert: true } })
    for (const identity of [{}, { key: m.strangerKey, cert: m.strangerCert }]) {
      const c = await RawMqttClient.open(b.urls.mqtts!, { version: 4, tls: { ca: m.ca, servername: 'localhost', ...identity } }).catch((e: Error) => e)
      if (c instanceof Error) {
        expect(c.message).toMatch(/certificate|handshake|alert|socket/i)
        continue
      }
      // TLS 1.3 reports the refusal after the handshake: the connection must close without a CONNACK.
      c.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 60, clientId: uid() })
      await c.waitClosed(3000)
      expect(c.received).toEqual([])
    }
  })

  it('SNI selects the certificate for the requested name', async () => {
    const b = await broker({ tls: { key: m.serverKey, cert: m.serverCert, sni: { 'other.test': { key: m.otherKey, cert: m.otherCert } } } })
    const subjectFor = (servername: string) => new Promise<string>((resolve, reject) => {
      const s = tls.connect({ port: b.ports.mqtts!, host: '127.0.0.1', servername, ca: m.ca }, () => {
        resolve(String(s.getPeerCertificate().subject.CN))
        s.destroy()
      })
      s.once('error', reject)
    })
    expect(await subjectFor('other.test')).toBe('other.test')
    expect(await subjectFor('localhost')).toBe('localhost')
  })

  it('MQTT over WebSocket (3.1.1 and 5) reaches TCP clients', async () => {
    const b = await broker()
    const tcp = await client(b.urls.mqtt!)
    const got = collect(tcp)
    await tcp.subscribeAsync('ws/+', { qos: 1 })
    for (const protocolVersion of [4, 5] as const) {
      const ws = await client(b.urls.ws!, { protocolVersion })
      await ws.publishAsync(`ws/${protocolVersion}`, 'over-ws', { qos: 1 })
    }
    expect((await got.waitFor(2)).map((x) => x.topic).sort()).toEqual(['ws/4', 'ws/5'])
  })

  it('a raw WebSocket client sees the same protocol enforcement (DISCONNECT 0x94)', async () => {
    const b = await broker()
    const c = await raw(b.urls.ws!, 5)
    await c.connect({ clientId: uid() })
    c.send({ cmd: 'publish', topic: 'a', payload: Buffer.from('x'), qos: 0, properties: { topicAlias: 9 } })
    expect((await c.waitClosed(3000)).disconnect?.reasonCode).toBe(0x94)
  })

  const PORT_OPTION = { mqtt: 'mqttPort', ws: 'wsPort', mqtts: 'tlsPort', http: 'httpPort', https: 'httpsPort' } as const
  it.each(Object.keys(PORT_OPTION) as (keyof typeof PORT_OPTION)[])('a busy %s port is a ListenError (HX_BROKER_LISTEN) naming it, not a crash; nothing is left listening', async (kind) => {
    await withBusyPort(async (busy) => {
      const err = await startReferenceBroker({ logLevel: 'silent', tls: { key: m.serverKey, cert: m.serverCert }, [PORT_OPTION[kind]]: busy }).then(() => null, (e: unknown) => e)
      expect(err).toBeInstanceOf(ListenError)
      expect((err as ListenError).code).toBe('HX_BROKER_LISTEN')
      expect((err as ListenError).message).toContain(`127.0.0.1:${busy}: EADDRINUSE`)
    })
  })

  it('each listener can be switched off (false) and the others still start', async () => {
    const all: ReferenceBrokerOptions = { tls: { key: m.serverKey, cert: m.serverCert } }
    for (const [kind, option] of Object.entries(PORT_OPTION)) {
      const b = await broker({ ...all, [option]: false })
      expect(Object.keys(b.urls).sort()).toEqual(Object.keys(PORT_OPTION).filter((k) => k !== kind).sort())
      await b.close()
    }
  })
})
