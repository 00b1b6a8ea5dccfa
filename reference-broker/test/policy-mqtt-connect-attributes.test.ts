import { describe, expect, it } from 'vitest'
import { broker, client, collect, raw, uid } from './helpers.js'
import type { ProfileOverrides, ReferenceBroker } from '../index.js'
import type { RawPacket } from '../../runners/index.js'

const ARN = 'arn:aws:iot:us-east-1:123456789012:'
const attributes = (qualifier: 'ForAllValues' | 'ForAnyValue', values: string[]) => ({ [`${qualifier}:StringEquals`]: { 'iot:ConnectAttributes': values } })

/**
 * iot:Connect by client-id prefix, one form of iot:ConnectAttributes each; everything
 * else (publish, subscribe, receive) is allowed, so only the CONNECT is in question.
 */
const policy = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: ['iot:Publish', 'iot:Subscribe', 'iot:Receive'], Resource: '*' },
    // Only the default features: no persistent session, no Will.
    { Effect: 'Allow', Action: 'iot:Connect', Resource: `${ARN}client/plain-*`, Condition: attributes('ForAllValues', []) },
    // A Will may be set; no persistent session.
    { Effect: 'Allow', Action: 'iot:Connect', Resource: `${ARN}client/will-*`, Condition: attributes('ForAllValues', ['LastWill']) },
    // Persistent sessions only; anything else may come with it.
    { Effect: 'Allow', Action: 'iot:Connect', Resource: `${ARN}client/persist-*`, Condition: attributes('ForAnyValue', ['PersistentConnect']) },
    // Contradiction C16: no condition, no restriction.
    { Effect: 'Allow', Action: 'iot:Connect', Resource: `${ARN}client/any-*` },
    // The policy fixture's form: allowed, but denied when either attribute is asked for.
    { Effect: 'Allow', Action: 'iot:Connect', Resource: `${ARN}client/fixture-*` },
    { Effect: 'Deny', Action: 'iot:Connect', Resource: `${ARN}client/fixture-*`, Condition: attributes('ForAnyValue', ['PersistentConnect', 'LastWill']) },
  ],
}
const overrides: ProfileOverrides = {
  mqtt: { connectsPerSecondPerClientId: 0 },
  auth: { policies: { connectAttributes: policy }, attachments: { default: ['connectAttributes'] } },
}

type Version = 4 | 5
interface Ask {
  version: Version
  clean?: boolean
  sessionExpiry?: number
  will?: string
}

/** Sends one CONNECT and returns its CONNACK code (MQTT 5 reason code or 3.1.1 return code); a refusal must close. */
async function connectCode(b: ReferenceBroker, clientId: string, ask: Ask): Promise<number> {
  const c = await raw(b.urls.mqtt!, ask.version)
  const packet: Partial<RawPacket> & { clientId: string } = { clientId, protocolVersion: ask.version, clean: ask.clean ?? true }
  if (ask.sessionExpiry !== undefined) packet.properties = { sessionExpiryInterval: ask.sessionExpiry }
  if (ask.will !== undefined) packet.will = { topic: ask.will, payload: Buffer.from('gone'), qos: 0, retain: false }
  const connack = await c.connect(packet)
  const code = Number(ask.version === 5 ? connack.reasonCode : connack.returnCode)
  if (code !== 0) {
    expect(connack.sessionPresent).toBe(false)
    await c.waitClosed(3000)
  }
  return code
}

describe('[AUTHZ-CONNECT-ATTRIBUTES] iot:ConnectAttributes on MQTT', () => {
  it('only the default features: a non-persistent CONNECT is allowed, a persistent one refused (MQTT 5 0x87, 3.1.1 5) and closed', async () => {
    const b = await broker({ overrides })
    expect(await connectCode(b, uid('plain'), { version: 5 })).toBe(0)
    expect(await connectCode(b, uid('plain'), { version: 4 })).toBe(0)
    const refused = uid('plain')
    expect(await connectCode(b, refused, { version: 5, clean: false, sessionExpiry: 300 })).toBe(0x87)
    // Each half of an MQTT 5 persistent session is PersistentConnect: keeping it, and resuming one.
    expect(await connectCode(b, uid('plain'), { version: 5, clean: true, sessionExpiry: 300 })).toBe(0x87)
    expect(await connectCode(b, uid('plain'), { version: 5, clean: false })).toBe(0x87)
    const refused311 = uid('plain')
    expect(await connectCode(b, refused311, { version: 4, clean: false })).toBe(5)
    // A refused CONNECT leaves no session behind.
    expect(b.broker.hasPersistentSession(refused)).toBe(false)
    expect(b.broker.hasPersistentSession(refused311)).toBe(false)
  })

  it('only the default features: a CONNECT with a Will is refused on both versions, and that Will is never published', async () => {
    const b = await broker({ overrides })
    const topic = `will/${uid('t')}`
    const watcher = await client(b.urls.mqtt!, { clientId: uid('any'), protocolVersion: 5 })
    await watcher.subscribeAsync(topic, { qos: 1 })
    const seen = collect(watcher)
    expect(await connectCode(b, uid('plain'), { version: 5, will: topic })).toBe(0x87)
    expect(await connectCode(b, uid('plain'), { version: 4, will: topic })).toBe(5)
    // Both refused connections are closed; a message published after that is the first the watcher gets.
    const marker = await client(b.urls.mqtt!, { clientId: uid('any') })
    await marker.publishAsync(topic, 'marker', { qos: 1 })
    expect((await seen.waitFor(1)).map((m) => m.payload.toString())).toEqual(['marker'])
  })

  it('ForAllValues:StringEquals [LastWill] allows a Will but no persistent session; the allowed Will is published', async () => {
    const b = await broker({ overrides })
    const topic = `will/${uid('t')}`
    const watcher = await client(b.urls.mqtt!, { clientId: uid('any'), protocolVersion: 5 })
    await watcher.subscribeAsync(topic, { qos: 1 })
    const seen = collect(watcher)
    expect(await connectCode(b, uid('will'), { version: 5 })).toBe(0)
    expect(await connectCode(b, uid('will'), { version: 4, will: topic })).toBe(0)
    expect(await connectCode(b, uid('will'), { version: 5, clean: false, sessionExpiry: 300, will: topic })).toBe(0x87)
    expect(await connectCode(b, uid('will'), { version: 4, clean: false })).toBe(5)
    const device = await raw(b.urls.mqtt!, 5)
    expect((await device.connect({ clientId: uid('will'), protocolVersion: 5, will: { topic, payload: Buffer.from('device gone'), qos: 1, retain: false } })).reasonCode).toBe(0)
    device.destroy() // no DISCONNECT: the Will goes out [LWT-ON-UNGRACEFUL]
    expect((await seen.waitFor(1)).map((m) => m.payload.toString())).toEqual(['device gone'])
  })

  it('ForAnyValue:StringEquals [PersistentConnect] requires a persistent session, which then works', async () => {
    const b = await broker({ overrides })
    expect(await connectCode(b, uid('persist'), { version: 5 })).toBe(0x87)
    expect(await connectCode(b, uid('persist'), { version: 4, will: 'will/x' })).toBe(5)
    expect(await connectCode(b, uid('persist'), { version: 4, clean: false, will: 'will/x' })).toBe(0)
    const id = uid('persist')
    const first = await raw(b.urls.mqtt!, 5)
    expect((await first.connect({ clientId: id, protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 300 } })).reasonCode).toBe(0)
    first.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: `inbox/${id}`, qos: 1 }] })
    await first.next((p) => p.cmd === 'suback', 3000)
    first.send({ cmd: 'disconnect' })
    await first.waitClosed(3000)
    const again = await raw(b.urls.mqtt!, 5)
    const resumed = await again.connect({ clientId: id, protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 0 } })
    expect(resumed.reasonCode).toBe(0)
    expect(resumed.sessionPresent).toBe(true)
  })

  it('C16: a policy without the condition restricts neither persistent sessions nor Wills', async () => {
    const b = await broker({ overrides })
    expect(await connectCode(b, uid('any'), { version: 5, clean: false, sessionExpiry: 300, will: 'will/x' })).toBe(0)
    expect(await connectCode(b, uid('any'), { version: 4, clean: false, will: 'will/x' })).toBe(0)
  })

  it('an explicit Deny on either attribute wins over the Allow (the policy fixture\'s form)', async () => {
    const b = await broker({ overrides })
    for (const version of [4, 5] as const) {
      expect(await connectCode(b, uid('fixture'), { version })).toBe(0)
      expect(await connectCode(b, uid('fixture'), { version, clean: false, sessionExpiry: 300 })).toBe(version === 5 ? 0x87 : 5)
      expect(await connectCode(b, uid('fixture'), { version, will: 'will/x' })).toBe(version === 5 ? 0x87 : 5)
    }
  })

  it('connect-attributes-ignored (deviation): the conditions always hold, so the restricted forms connect and the conditioned Deny refuses a plain CONNECT', async () => {
    const b = await broker({ overrides, deviations: ['connect-attributes-ignored'] })
    expect(await connectCode(b, uid('plain'), { version: 5, clean: false, sessionExpiry: 300, will: 'will/x' })).toBe(0)
    expect(await connectCode(b, uid('plain'), { version: 4, clean: false, will: 'will/x' })).toBe(0)
    expect(await connectCode(b, uid('persist'), { version: 5 })).toBe(0)
    expect(await connectCode(b, uid('fixture'), { version: 5 })).toBe(0x87)
    expect(await connectCode(b, uid('fixture'), { version: 4 })).toBe(5)
  })
})
