import { describe, expect, it } from 'vitest'
import { broker, client, collect, rawConnected, uid } from './helpers.js'
import { deviations, resolveDeviations } from '../index.js'

describe('deliberate deviations', () => {
  it('every deviation names the requirements it breaks and resolves to overrides or a fault', () => {
    for (const d of deviations.values()) {
      expect(d.breaks.length).toBeGreaterThan(0)
      expect(d.overrides !== undefined || d.fault !== undefined).toBe(true)
    }
    expect(() => resolveDeviations(['no-such-thing'])).toThrow(/unknown deviation "no-such-thing"; known: retained-through-wildcards/)
  })

  it('a fault is named as its deviation; one run under another profile names that deviation, whose fault it switches on', () => {
    const references = [...deviations.values()].filter((d) => typeof d.fault === 'string')
    for (const d of references) {
      expect(deviations.get(d.fault as string)?.fault, `${d.name} -> ${String(d.fault)}`).toBe(true)
      expect([...resolveDeviations([d.name]).faults]).toEqual([d.fault])
    }
    expect([...resolveDeviations(['takeover-silent']).faults]).toEqual(['takeover-silent'])
  })

  it('alias-limit-9 accepts alias 9 while CONNACK still says 8', async () => {
    const b = await broker({ deviations: ['alias-limit-9'] })
    const { c, connack } = await rawConnected(b.urls.mqtt!, 5)
    expect(connack.properties?.topicAliasMaximum).toBe(8)
    c.send({ cmd: 'publish', topic: 'a', payload: Buffer.from('x'), qos: 1, messageId: 1, properties: { topicAlias: 9 } })
    await c.next((p) => p.cmd === 'puback', 2000)
  })

  it('takeover-silent closes the displaced MQTT 5 connection without DISCONNECT', async () => {
    const b = await broker({ deviations: ['takeover-silent'] })
    const id = uid()
    const { c: old } = await rawConnected(b.urls.mqtt!, 5, { clientId: id })
    await new Promise((r) => setTimeout(r, 1050))
    await rawConnected(b.urls.mqtt!, 5, { clientId: id })
    expect((await old.waitClosed(2000)).disconnect).toBeUndefined()
  })

  it('will-on-disconnect publishes the Will after a clean DISCONNECT', async () => {
    const b = await broker({ deviations: ['will-on-disconnect'] })
    const w = await client(b.urls.mqtt!)
    const got = collect(w)
    await w.subscribeAsync('dev/will', { qos: 1 })
    const { c } = await rawConnected(b.urls.mqtt!, 4, { will: { topic: 'dev/will', payload: Buffer.from('w'), qos: 1, retain: false } })
    c.send({ cmd: 'disconnect' })
    await got.waitFor(1, 3000)
  })

  it('shared-fanout gives every member every message', async () => {
    const b = await broker({ deviations: ['shared-fanout'] })
    const m1 = await client(b.urls.mqtt!)
    const m2 = await client(b.urls.mqtt!)
    const g1 = collect(m1)
    const g2 = collect(m2)
    await m1.subscribeAsync('$share/fan/x', { qos: 1 })
    await m2.subscribeAsync('$share/fan/x', { qos: 1 })
    const pub = await client(b.urls.mqtt!)
    for (let i = 0; i < 5; i++) await pub.publishAsync('x', String(i), { qos: 1 })
    await g1.waitFor(5)
    await g2.waitFor(5)
  })
})
