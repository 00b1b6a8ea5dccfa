import { describe, expect, it } from 'vitest'
import { broker, client, collect, rawConnected, uid } from './helpers.js'

const pastConnectQuota = () => new Promise((r) => setTimeout(r, 1050))
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Faults behind the MQTT 5 feature and lifecycle-event deviations (catalogue sections I and L). */
describe('deliberate deviations: MQTT 5 features', () => {
  it('aliases-outlive-connection lets a new connection use an alias set by the previous one', async () => {
    const b = await broker({ deviations: ['aliases-outlive-connection'] })
    const id = uid()
    const { c: first } = await rawConnected(b.urls.mqtt!, 5, { clientId: id })
    first.send({ cmd: 'publish', topic: 'al/x', payload: Buffer.from('set'), qos: 1, messageId: 1, properties: { topicAlias: 1 } })
    await first.next((p) => p.cmd === 'puback', 2000)
    first.destroy()
    await pastConnectQuota()
    const { c: second } = await rawConnected(b.urls.mqtt!, 5, { clientId: id })
    second.send({ cmd: 'publish', topic: '', payload: Buffer.from('use'), qos: 1, messageId: 2, properties: { topicAlias: 1 } })
    await second.next((p) => p.cmd === 'puback', 2000)
  })

  it('server-topic-aliases sends the topic once, then only its alias', async () => {
    const b = await broker({ deviations: ['server-topic-aliases'] })
    const { c: sub } = await rawConnected(b.urls.mqtt!, 5, { properties: { topicAliasMaximum: 4 } })
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'sa/x', qos: 0 }] })
    await sub.next((p) => p.cmd === 'suback', 2000)
    const pub = await client(b.urls.mqtt!, { protocolVersion: 5 })
    await pub.publishAsync('sa/x', 'one', { qos: 1 })
    await pub.publishAsync('sa/x', 'two', { qos: 1 })
    const first = await sub.next((p) => p.cmd === 'publish', 2000)
    const second = await sub.next((p) => p.cmd === 'publish' && p !== first, 2000)
    expect([first.topic, first.properties?.topicAlias]).toEqual(['sa/x', 1])
    expect([second.topic, second.properties?.topicAlias]).toEqual(['', 1])
  })

  it('server-redirect adds a Server Reference; auth-method-accepted connects despite an Authentication Method', async () => {
    const b = await broker({ deviations: ['server-redirect', 'auth-method-accepted'] })
    const { connack } = await rawConnected(b.urls.mqtt!, 5, { properties: { authenticationMethod: 'SCRAM-SHA-1' } })
    expect(connack.reasonCode).toBe(0)
    expect(connack.properties?.serverReference).toMatch(/./)
  })

  it('user-properties-dropped, content-type-dropped and response-properties-dropped strip what subscribers get', async () => {
    const b = await broker({ deviations: ['user-properties-dropped', 'content-type-dropped', 'response-properties-dropped'] })
    const sub = await client(b.urls.mqtt!, { protocolVersion: 5 })
    const got = collect(sub)
    await sub.subscribeAsync('sp/x', { qos: 1 })
    const pub = await client(b.urls.mqtt!, { protocolVersion: 5 })
    await pub.publishAsync('sp/x', 'p', { qos: 1, properties: { userProperties: { k: 'v' }, contentType: 'text/plain', payloadFormatIndicator: true, responseTopic: 'sp/r', correlationData: Buffer.from('c') } })
    const [m] = await got.waitFor(1)
    const props = m!.packet.properties ?? {}
    for (const k of ['userProperties', 'contentType', 'payloadFormatIndicator', 'responseTopic', 'correlationData']) expect(props).not.toHaveProperty(k)
  })

  it('response-topic-unchecked: the connection ends without DISCONNECT 0x82', async () => {
    const b = await broker({ deviations: ['response-topic-unchecked'] })
    const { c } = await rawConnected(b.urls.mqtt!, 5)
    c.send({ cmd: 'publish', topic: 'rt/x', payload: Buffer.from('x'), qos: 0, properties: { responseTopic: 'rt/+' } })
    expect((await c.waitClosed(3000)).disconnect?.reasonCode).not.toBe(0x82)
  })

  it('client-packet-size-ignored sends a packet larger than the client accepts', async () => {
    const b = await broker({ deviations: ['client-packet-size-ignored'] })
    const { c: sub } = await rawConnected(b.urls.mqtt!, 5, { properties: { maximumPacketSize: 200 } })
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'ps/x', qos: 0 }] })
    await sub.next((p) => p.cmd === 'suback', 2000)
    const pub = await client(b.urls.mqtt!, { protocolVersion: 5 })
    await pub.publishAsync('ps/x', Buffer.alloc(1000, 0x61), { qos: 1 })
    expect((await sub.next((p) => p.cmd === 'publish', 2000)).payload.length).toBe(1000)
  })

  it('puback-no-matching-subscribers answers 0x10 only when nobody subscribes', async () => {
    const b = await broker({ deviations: ['puback-no-matching-subscribers'] })
    const { c } = await rawConnected(b.urls.mqtt!, 5)
    c.send({ cmd: 'publish', topic: 'nm/nobody', payload: Buffer.from('x'), qos: 1, messageId: 1 })
    expect((await c.next((p) => p.cmd === 'puback' && p.messageId === 1, 2000)).reasonCode).toBe(0x10)
    const sub = await client(b.urls.mqtt!)
    await sub.subscribeAsync('nm/somebody', { qos: 1 })
    c.send({ cmd: 'publish', topic: 'nm/somebody', payload: Buffer.from('x'), qos: 1, messageId: 2 })
    expect((await c.next((p) => p.cmd === 'puback' && p.messageId === 2, 2000)).reasonCode ?? 0).toBe(0)
  })

  it('problem-info-ignored adds a Reason String to a failing SUBACK despite Request Problem Information 0', async () => {
    const b = await broker({ deviations: ['problem-info-ignored'] })
    const { c } = await rawConnected(b.urls.mqtt!, 5, { properties: { requestProblemInformation: false } })
    c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'pi/ok', qos: 1 }, { topic: '$share/g+/pi', qos: 1 }] })
    const suback = await c.next((p) => p.cmd === 'suback', 2000)
    expect(suback.granted).toEqual([1, 0x8f])
    expect(suback.properties?.reasonString).toMatch(/./)
  })

  it('reason-string-plain drops the DISCONNECT: prefix', async () => {
    const b = await broker({ deviations: ['reason-string-plain'] })
    const { c } = await rawConnected(b.urls.mqtt!, 5)
    c.send({ cmd: 'publish', topic: 'rs/x', payload: Buffer.from('x'), qos: 0, properties: { topicAlias: 9 } })
    const disconnect = (await c.waitClosed(3000)).disconnect
    expect(disconnect?.reasonCode).toBe(0x94)
    expect(disconnect?.properties?.reasonString).toMatch(/^Topic alias is out of range/)
  })

  it('cross-version-isolated keeps MQTT 3.1.1 and MQTT 5 clients apart', async () => {
    const b = await broker({ deviations: ['cross-version-isolated'] })
    const v4 = await client(b.urls.mqtt!, { protocolVersion: 4 })
    const v5 = await client(b.urls.mqtt!, { protocolVersion: 5 })
    const got4 = collect(v4)
    const got5 = collect(v5)
    await v4.subscribeAsync('cv/x', { qos: 1 })
    await v5.subscribeAsync('cv/x', { qos: 1 })
    const pub = await client(b.urls.mqtt!, { protocolVersion: 5 })
    await pub.publishAsync('cv/x', 'from-5', { qos: 1 })
    await got5.waitFor(1)
    await sleep(200)
    expect(got4.messages).toHaveLength(0)
  })
})

describe('deliberate deviations: lifecycle events', () => {
  it('lifecycle-payload-incomplete, -reason-connection-lost and -version-per-event change the events', async () => {
    const b = await broker({ deviations: ['lifecycle-payload-incomplete', 'lifecycle-reason-connection-lost', 'lifecycle-version-per-event'] })
    const watcher = await client(b.urls.mqtt!)
    const got = collect(watcher)
    const id = uid('lc')
    await watcher.subscribeAsync(`$aws/events/presence/+/${id}`, { qos: 1 })
    const { c } = await rawConnected(b.urls.mqtt!, 5, { clientId: id })
    c.send({ cmd: 'disconnect' })
    const [conn, disc] = (await got.waitFor(2)).map((m) => JSON.parse(m.payload.toString()))
    expect(conn).not.toHaveProperty('sessionIdentifier')
    expect(conn).not.toHaveProperty('ipAddress')
    expect(disc.disconnectReason).toBe('CONNECTION_LOST')
    expect(disc.versionNumber).toBeGreaterThan(conn.versionNumber)
  })
})
