/**
 * The gate's handler registry: one handler per packet type and direction, the
 * rules as AWS IoT Core applies them, and deviations installed as decorators
 * only on a broker that runs with them (faults/gate-faults.ts). The gate's own
 * modules hold no fault check.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { GATE_HANDLERS, gateHandlers } from '../gate/registry.js'
import { PT } from '../mqtt-codec.js'
import type { Fault } from '../deviations.js'

const broker = join(dirname(fileURLToPath(import.meta.url)), '..')

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? tsFiles(path) : name.endsWith('.ts') ? [path] : []
  })
}

describe('gate handler registry', () => {
  it('installs nothing for a broker without faults', () => {
    expect(gateHandlers(new Set())).toBe(GATE_HANDLERS)
    expect(GATE_HANDLERS.dropsQos0Early).toBe(true)
  })

  it('has a handler for every packet type in both directions', () => {
    expect(GATE_HANDLERS.inbound).toHaveLength(16)
    expect(GATE_HANDLERS.outbound).toHaveLength(16)
    expect(GATE_HANDLERS.inbound.every((h) => typeof h === 'function')).toBe(true)
    expect(GATE_HANDLERS.inbound[PT.PUBLISH]).not.toBe(GATE_HANDLERS.inbound[PT.SUBSCRIBE])
  })

  it('replaces only the entries a fault decorates, once per set of faults', () => {
    const faults = new Set<Fault>(['pingreq-unanswered'])
    const h = gateHandlers(faults)
    expect(gateHandlers(faults)).toBe(h)
    expect(h.inbound[PT.PINGREQ]).not.toBe(GATE_HANDLERS.inbound[PT.PINGREQ])
    const others = h.inbound.filter((handler, type) => type !== PT.PINGREQ && handler !== GATE_HANDLERS.inbound[type])
    expect(others).toEqual([])
    expect(h.outbound).toEqual(GATE_HANDLERS.outbound)
    expect(h.publishRules).toBe(GATE_HANDLERS.publishRules)
    // Any fault turns the early QoS 0 drop off (a decorated handler may rewrite deliveries).
    expect(h.dropsQos0Early).toBe(false)
  })

  it('leaves a PUBLISH rule out by its catalogue id', () => {
    const ids = (faults: Fault[]) => gateHandlers(new Set(faults)).publishRules.map((r) => r.id)
    expect(ids([]).some((id) => id.includes('RET-NOT-ON-RESERVED'))).toBe(true)
    expect(ids(['retain-on-reserved-allowed']).some((id) => id.includes('RET-NOT-ON-RESERVED'))).toBe(false)
    expect(ids(['retain-on-reserved-allowed'])).toHaveLength(ids([]).length - 1)
  })

  it('the gate\'s modules hold no fault check', () => {
    const gateModules = [...tsFiles(join(broker, 'gate')), join(broker, 'wire-gate.ts'), join(broker, 'inbound-checks.ts')]
    const checking = gateModules.filter((f) => /faults\??\.has\(/.test(readFileSync(f, 'utf8')))
    expect(checking).toEqual([])
    // The check can fail: the fault modules do check faults.
    expect(/faults\??\.has\(/.test(readFileSync(join(broker, 'faults', 'gate-faults.ts'), 'utf8'))).toBe(true)
  })
})
