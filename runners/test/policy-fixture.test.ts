import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runScenarios } from '../run-scenarios.js'
import { startBundledTarget } from '../targets/bundled-target.js'
import { scenariosFrom, tempDir } from './helpers.js'

const scenario = `
id: fixture-check
title: the policy fixture refuses only marked resources
spec: [AUTHZ-ACTIONS]
requires: [policy-fixture]
clients:
  device: { kind: raw, version: 5 }
  denied: { kind: raw, version: 5, clientId: '\${clients.denied.id}-hx-deny-connect' }
steps:
  - connect: device
  - publish: { client: device, topic: '\${prefix}/fine', qos: 1 }
  - publish: { client: device, topic: '\${prefix}/hx-deny-publish/x', qos: 1, expect: { reasonCode: 0x87 } }
  - subscribe: { client: device, topics: ['\${prefix}/ok/#', '\${prefix}/hx-denied/#'], qos: 1, expect: { reasonCodes: [1, 0x87] } }
  - connect: { client: denied, expect: { reasonCode: 0x87 } }
`

describe('the bundled target\'s policy fixture', () => {
  it('is attached to every caller and declared as the policy-fixture capability', async () => {
    const target = await startBundledTarget()
    try {
      expect(target.capabilities.has('policy-fixture')).toBe(true)
      expect(target.capabilities.has('sigv4')).toBe(true) // the test key pair, signatures required
      const report = await runScenarios(scenariosFrom(scenario, target.limits), target)
      expect(report.scenarios.map((s) => `${s.status} ${s.failures.map((f) => f.message).join('; ')}`)).toEqual(['passed '])
    } finally {
      await target.teardown()
    }
  })

  it('is left out when the --config file brings its own policies', async () => {
    const dir = tempDir({ 'own.yaml': 'auth:\n  policies:\n    all: { Statement: { Effect: Allow, Action: "iot:*", Resource: "*" } }\n  attachments: { default: [all] }\n' })
    const target = await startBundledTarget({ config: join(dir, 'own.yaml') })
    try {
      expect(target.capabilities.has('policy-fixture')).toBe(false)
      expect(target.capabilities.has('sigv4')).toBe(false) // the config's own auth: no test key, unsigned callers stay anonymous
      expect(target.http?.sigv4).toBeUndefined()
      const report = await runScenarios(scenariosFrom(scenario, target.limits), target)
      expect(report.scenarios[0]!.status).toBe('skipped')
    } finally {
      await target.teardown()
    }
  })
})
