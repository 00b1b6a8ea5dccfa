import { describe, expect, it } from 'vitest'
import { broker, rawConnected, uid } from './helpers.js'

const denySubscribe = {
  auth: {
    policies: {
      p: {
        Statement: [
          { Effect: 'Allow', Action: 'iot:*', Resource: '*' },
          { Effect: 'Deny', Action: ['iot:Subscribe', 'iot:Publish'], Resource: ['arn:aws:iot:*:*:topicfilter/denied/*', 'arn:aws:iot:*:*:topic/denied/*'] },
        ],
      },
    },
    attachments: { default: ['p'] },
  },
}

/** Faults behind the connection, QoS, topic and authorization deviations (catalogue sections C, D, E, K). */
describe('deliberate deviations: connection, QoS, topics, authorization', () => {
  it('mqtt-policy-ignored grants what the policy denies; authz-311-kept-open answers SUBACK 0x80 and keeps the connection', async () => {
    const ignored = await broker({ overrides: denySubscribe, deviations: ['mqtt-policy-ignored'] })
    const { c } = await rawConnected(ignored.urls.mqtt!, 5)
    c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'denied/x', qos: 1 }] })
    expect((await c.next((p) => p.cmd === 'suback', 2000)).granted).toEqual([1])

    const open = await broker({ overrides: denySubscribe, deviations: ['authz-311-kept-open'] })
    const { c: v4 } = await rawConnected(open.urls.mqtt!, 4)
    v4.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'denied/x', qos: 1 }] })
    expect((await v4.next((p) => p.cmd === 'suback', 2000)).granted).toEqual([0x80])
    v4.send({ cmd: 'publish', topic: 'denied/x', payload: Buffer.from('x'), qos: 1, messageId: 2, retain: false, dup: false })
    v4.send({ cmd: 'pingreq' })
    await v4.next((p) => p.cmd === 'pingresp', 2000)
    expect(v4.received.some((p) => p.cmd === 'puback')).toBe(false)
    expect(v4.isClosed).toBe(false)
  })

  it('double-connect-ignored, qos2-flow-ignored and wildcard-publish-dropped keep the connection open', async () => {
    const b = await broker({ deviations: ['double-connect-ignored', 'qos2-flow-ignored', 'wildcard-publish-dropped'] })
    const { c } = await rawConnected(b.urls.mqtt!, 5)
    c.send({ cmd: 'connect', protocolVersion: 5, protocolId: 'MQTT', clientId: uid(), clean: true, keepalive: 60 })
    c.send({ cmd: 'pubrel', messageId: 1 })
    c.send({ cmd: 'publish', topic: 'a/+', payload: Buffer.from('x'), qos: 1, messageId: 2, retain: false, dup: false })
    await c.next((p) => p.cmd === 'puback' && p.messageId === 2, 2000)
    expect(c.isClosed).toBe(false)
  })

  it('server-keepalive-omitted, connack-wildcard-unavailable and assigned-client-id-missing change the MQTT 5 CONNACK', async () => {
    const b = await broker({ deviations: ['server-keepalive-omitted', 'connack-wildcard-unavailable', 'assigned-client-id-missing'] })
    const { connack } = await rawConnected(b.urls.mqtt!, 5, { keepalive: 60 })
    expect(connack.properties?.serverKeepAlive).toBeUndefined()
    expect(connack.properties?.wildcardSubscriptionAvailable).toBe(false)
    const { connack: clamped } = await rawConnected(b.urls.mqtt!, 5, { keepalive: 10 })
    expect(clamped.properties?.serverKeepAlive).toBe(30)
    const { connack: empty } = await rawConnected(b.urls.mqtt!, 5, { clientId: '' })
    expect(empty.reasonCode).toBe(0x85)
  })

  it('takeover-refused refuses a connected client id', async () => {
    const b = await broker({ deviations: ['takeover-refused'] })
    const id = uid()
    await rawConnected(b.urls.mqtt!, 5, { clientId: id })
    await new Promise((r) => setTimeout(r, 1050))
    const { connack } = await rawConnected(b.urls.mqtt!, 5, { clientId: id })
    expect(connack.reasonCode).toBe(0x9f)
  })

  it('filter-case-folded, trailing-plus-multi-level and subscription-qos-raised (persistent sessions) rewrite filters', async () => {
    const b = await broker({ deviations: ['filter-case-folded', 'trailing-plus-multi-level', 'subscription-qos-raised'] })
    const { c } = await rawConnected(b.urls.mqtt!, 5, { clean: false, properties: { sessionExpiryInterval: 60 } })
    c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'A/+', qos: 0 }] })
    expect((await c.next((p) => p.cmd === 'suback', 2000)).granted).toEqual([1])
    const { c: pub } = await rawConnected(b.urls.mqtt!, 5)
    pub.send({ cmd: 'publish', topic: 'a/b/c', payload: Buffer.from('deep'), qos: 0, retain: false, dup: false })
    expect((await c.next((p) => p.cmd === 'publish', 2000)).topic).toBe('a/b/c')
  })
})
