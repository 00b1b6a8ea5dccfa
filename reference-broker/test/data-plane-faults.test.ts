/**
 * The data plane's deliberate deviations are a policy built once, not checks
 * in the handlers: no module of reference-broker/http/ reads a fault, the
 * policy of a broker without data-plane faults is AWS's own object, and each
 * data-plane fault changes exactly one rule of it. (That each one breaks what
 * it claims is the deviation sweep's job: `npm run test:deviations`.)
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { deviations, type Fault } from '../deviations.js'
import { dataPlanePolicy, type DataPlaneFault } from '../faults/data-plane-faults.js'
import { awsDataPlane, type DataPlanePolicy } from '../http/data-plane-policy.js'

const httpDir = join(import.meta.dirname, '..', 'http')

/** `operation.rule` (or `rule` for the shared ones) of every rule that is not AWS's. */
function changedRules(policy: DataPlanePolicy): string[] {
  const changed: string[] = []
  for (const [key, value] of Object.entries(policy) as [keyof DataPlanePolicy, unknown][]) {
    const aws = awsDataPlane[key] as unknown
    if (value === aws) continue
    if (typeof value !== 'object' || value === null) {
      changed.push(key)
      continue
    }
    for (const [rule, v] of Object.entries(value)) if (v !== (aws as Record<string, unknown>)[rule]) changed.push(`${key}.${rule}`)
  }
  return changed
}

const dataPlaneFaults = (): DataPlaneFault[] =>
  [...deviations.values()].filter((d) => d.fault).map((d) => d.name as Fault).filter((f): f is DataPlaneFault => dataPlanePolicy(new Set([f])) !== awsDataPlane)

describe('data-plane faults', () => {
  it('no module of the HTTP data plane checks a fault or imports the deviation list', () => {
    for (const file of readdirSync(httpDir).filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(join(httpDir, file), 'utf8')
      expect(text, file).not.toMatch(/faults\s*\.\s*has\s*\(/)
      expect(text, file).not.toMatch(/from '\.\.\/deviations\.js'/)
    }
  })

  it('a broker without data-plane faults gets AWS\'s policy itself', () => {
    expect(dataPlanePolicy(new Set())).toBe(awsDataPlane)
    expect(dataPlanePolicy(new Set<Fault>(['takeover-silent', 'shared-fanout']))).toBe(awsDataPlane)
  })

  it('each of the 36 data-plane faults changes only its own rule', () => {
    const faults = dataPlaneFaults()
    expect(faults.length).toBe(36)
    for (const fault of faults) {
      const changed = changedRules(dataPlanePolicy(new Set([fault])))
      // dm-policy-off switches off both policy checks of SendDirectMessage, dm-validation-off all three name checks;
      // the property-size faults change how both APIs that carry MQTT 5 properties count them.
      const twoRules: readonly Fault[] = ['dm-policy-off', 'http-property-limits-off', 'http-property-sizes-in-characters']
      const expected = fault === 'dm-validation-off' ? 3 : twoRules.includes(fault) ? 2 : 1
      expect(changed, fault).toHaveLength(expected)
    }
  })

  it('the property-size faults change the same rule of HTTPS publish and SendDirectMessage', () => {
    for (const fault of ['http-property-limits-off', 'http-property-sizes-in-characters'] as const) {
      expect(changedRules(dataPlanePolicy(new Set([fault]))).sort(), fault).toEqual(['directMessage.propertySizes', 'publish.propertySizes'])
    }
    const inCharacters = dataPlanePolicy(new Set(['http-property-sizes-in-characters'])).publish.propertySizes
    expect(inCharacters.contentTypeSize('€'.repeat(86))).toBe(86)
    expect(awsDataPlane.publish.propertySizes.contentTypeSize('€'.repeat(86))).toBe(258)
  })

  it('several faults build one policy, AWS\'s left untouched', () => {
    const policy = dataPlanePolicy(new Set<Fault>(['dm-fanout-to-subscribers', 'dm-retained', 'http-wrong-method-404']))
    expect(changedRules(policy).sort()).toEqual(['directMessage.deliver', 'wrongMethod'])
    expect(policy.wrongMethod(['POST'], 'GET', '/x').status).toBe(404)
    expect(awsDataPlane.wrongMethod(['POST'], 'GET', '/x').status).toBe(405)
  })
})
