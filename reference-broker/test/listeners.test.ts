import tls from 'node:tls'
import { beforeAll, describe, expect, it } from 'vitest'
import { broker, client, collect, raw, uid } from './helpers.js'
import { makeTlsMaterial, type TlsMaterial } from '../../test/tls-material.js'
import { RawMqttClient } from '../../runners/index.js'

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
})
