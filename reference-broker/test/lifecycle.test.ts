import { describe, expect, it } from 'vitest'
import { broker, client, collect, raw, rawConnected, uid } from './helpers.js'

describe('lifecycle events [LC-TOPICS-PAYLOAD] [LC-DISCONNECT-REASONS] [LC-VERSION-NUMBER]', () => {
  it('publishes connected and disconnected events with the documented fields', async () => {
    const b = await broker()
    const watcher = await client(b.urls.mqtt!)
    const got = collect(watcher)
    const id = uid('lc')
    await watcher.subscribeAsync(`$aws/events/presence/+/${id}`, { qos: 1 })
    const { c } = await rawConnected(b.urls.mqtt!, 5, { clientId: id })
    c.send({ cmd: 'disconnect' })
    const [conn, disc] = (await got.waitFor(2)).map((m) => ({ topic: m.topic, body: JSON.parse(m.payload.toString()) }))
    expect(conn!.topic).toBe(`$aws/events/presence/connected/${id}`)
    expect(conn!.body).toMatchObject({ clientId: id, eventType: 'connected', versionNumber: 1, ipAddress: '127.0.0.1' })
    expect(typeof conn!.body.timestamp).toBe('number')
    expect(disc!.body).toMatchObject({ clientId: id, eventType: 'disconnected', disconnectReason: 'CLIENT_INITIATED_DISCONNECT', clientInitiatedDisconnect: true, versionNumber: 1 })
    expect(disc!.body.sessionIdentifier).toBe(conn!.body.sessionIdentifier)
  })

  it('reports takeover as DUPLICATE_CLIENTID and a killed socket as CONNECTION_LOST; versionNumber grows', async () => {
    const b = await broker()
    const watcher = await client(b.urls.mqtt!)
    const got = collect(watcher)
    const id = uid('lc')
    await watcher.subscribeAsync(`$aws/events/presence/disconnected/${id}`, { qos: 1 })
    await rawConnected(b.urls.mqtt!, 4, { clientId: id })
    await new Promise((r) => setTimeout(r, 1050)) // 1 CONNECT/s per client id
    const { c: second } = await rawConnected(b.urls.mqtt!, 4, { clientId: id })
    const [first] = await got.waitFor(1, 3000)
    expect(JSON.parse(first!.payload.toString())).toMatchObject({ disconnectReason: 'DUPLICATE_CLIENTID', versionNumber: 1 })
    second.destroy()
    const [, lost] = await got.waitFor(2, 3000)
    expect(JSON.parse(lost!.payload.toString())).toMatchObject({ disconnectReason: 'CONNECTION_LOST', versionNumber: 2 })
  })

  it('a CONNECT refused before its CONNACK publishes no disconnected event', async () => {
    const b = await broker()
    const watcher = await client(b.urls.mqtt!)
    const got = collect(watcher)
    const id = uid('lc')
    await watcher.subscribeAsync(`$aws/events/presence/+/${id}`, { qos: 1 })
    const { c: first } = await rawConnected(b.urls.mqtt!, 5, { clientId: id })
    await got.waitFor(1)
    // A second CONNECT of the id within the second is refused [CID-CONNECT-RATE-1PS]: no session, no event.
    const refused = await raw(b.urls.mqtt!, 5)
    refused.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: true, keepalive: 30, clientId: id })
    const connack = await refused.next((p) => p.cmd === 'connack', 3000)
    expect(connack.reasonCode).toBe(0x9f)
    await refused.waitClosed(3000)
    first.send({ cmd: 'disconnect' })
    const events = (await got.waitFor(2)).map((m) => ({ topic: m.topic, body: JSON.parse(m.payload.toString()) }))
    expect(events[1]!.topic).toBe(`$aws/events/presence/disconnected/${id}`)
    expect(events[1]!.body).toMatchObject({ disconnectReason: 'CLIENT_INITIATED_DISCONNECT', sessionIdentifier: events[0]!.body.sessionIdentifier })
  })

  it('clients cannot publish to the reserved lifecycle topics', async () => {
    const b = await broker()
    const { c } = await rawConnected(b.urls.mqtt!, 5)
    c.send({ cmd: 'publish', topic: '$aws/events/presence/connected/fake', payload: Buffer.from('{}'), qos: 0 })
    expect((await c.waitClosed(3000)).disconnect?.reasonCode).toBe(0x90)
  })
})
