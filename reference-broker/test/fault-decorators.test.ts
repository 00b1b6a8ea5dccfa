import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { AwsBroker } from '../aws-broker.js'
import { deviations, type Fault } from '../deviations.js'
import { aedesFaults, aedesOptionFaults } from '../faults/aedes-faults.js'
import { brokerFaults } from '../faults/broker-faults.js'
import { dataPlaneFaults } from '../faults/data-plane-faults.js'
import { GATE_FAULTS } from '../faults/gate-faults.js'
import { lifecycleFaults } from '../faults/lifecycle-faults.js'
import { persistenceFaults } from '../faults/persistence-faults.js'
import { policyFaults } from '../faults/policy-faults.js'
import { sharedFaults } from '../faults/shared-faults.js'
import { websocketFaults } from '../faults/websocket-faults.js'
import { createLogger, loadProfile } from '../index.js'

const dir = join(import.meta.dirname, '..')
const source = (file: string) => readFileSync(join(dir, file), 'utf8')

describe('faults as decorators (faults/)', () => {
  it('every decorator is registered under a fault deviation of its own name', () => {
    const registries = [aedesFaults, aedesOptionFaults, brokerFaults, lifecycleFaults, persistenceFaults, policyFaults, sharedFaults, websocketFaults]
    const names = registries.flatMap((r) => Object.keys(r))
    for (const name of names) expect(deviations.get(name)?.fault, name).toBe(true)
    expect(new Set(names).size).toBe(names.length - 1) // offline-queue-off wraps aedes and its persistence
  })

  it('every fault deviation of its own name has a decorator (a fault with none would never fire)', () => {
    const registries = [aedesFaults, aedesOptionFaults, brokerFaults, lifecycleFaults, persistenceFaults, policyFaults, sharedFaults, websocketFaults, GATE_FAULTS, dataPlaneFaults]
    const decorated = new Set(registries.flatMap((r) => Object.keys(r)))
    const missing = [...deviations.values()].filter((d) => d.fault === true && !decorated.has(d.name)).map((d) => d.name)
    expect(missing).toEqual([])
  })

  it('the rule modules hold no fault check and reach no aedes private by a cast', () => {
    const rules = ['aws-broker.ts', 'session-aedes.ts', 'shared-subscriptions.ts', 'lifecycle-events.ts', 'retained-store.ts', 'incoming-ids.ts', 'highest-qos-delivery.ts', 'websocket-transport.ts', 'listeners.ts', ...readdirSync(join(dir, 'policy')).map((f) => `policy/${f}`)]
    for (const file of rules) {
      const text = source(file)
      expect(text, file).not.toMatch(/faults\.has\(|\.fault\(/)
      expect(text, file).not.toMatch(/as unknown as|Record<string, any>/)
    }
  })

  it('a decorator is installed only when its deviation is on', async () => {
    const profile = loadProfile('aws-iot-core')
    const log = createLogger('silent')
    const plain = await AwsBroker.create(profile, log)
    const broken = await AwsBroker.create(profile, log, new Set<Fault>(['takeover-refused', 'shared-fanout', 'session-never-expires']))
    try {
      for (const b of [plain, broken]) {
        const on = b === broken
        expect(Object.hasOwn(b, 'connectAllowed')).toBe(on)
        expect(Object.hasOwn(b.shared, 'recipients')).toBe(on)
        expect(Object.hasOwn(b.aedes, 'armSessionExpiry')).toBe(on)
        expect(Object.hasOwn(b, 'forwardable')).toBe(false)
      }
    } finally {
      await plain.close()
      await broken.close()
    }
  })
})
