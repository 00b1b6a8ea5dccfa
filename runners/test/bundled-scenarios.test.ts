import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { readScenarios } from '../../spec/index.js'
import { runScenarios } from '../run-scenarios.js'
import { startBundledTarget } from '../targets/bundled-target.js'
import { tempDir } from './helpers.js'

const scenariosDir = fileURLToPath(new URL('../../scenarios', import.meta.url))

async function runShipped(opts: { config?: string; grep?: RegExp; profile?: string } = {}) {
  const target = await startBundledTarget({ ...(opts.config ? { config: opts.config } : {}), ...(opts.profile ? { profile: opts.profile } : {}) })
  try {
    const loaded = await readScenarios([scenariosDir], { limits: target.limits, excludeDirs: [join(scenariosDir, 'load')] })
    if (!loaded.ok) throw new Error(loaded.errors.map((e) => `${e.file}:${e.line}:${e.col} ${e.path}: ${e.message}`).join('\n'))
    const selected = opts.grep ? loaded.scenarios.filter((s) => opts.grep!.test(s.id)) : loaded.scenarios
    return await runScenarios(selected, target)
  } finally {
    await target.teardown()
  }
}

describe('the shipped scenarios', () => {
  it('all pass against the bundled broker with the aws-iot-core profile', async () => {
    const report = await runShipped()
    // Only the MQTT-standard scenarios that AWS overrides (QoS 2 flows, keep-alive under 30 s,
    // retained messages through wildcards, Subscription Identifiers, enhanced authentication) and
    // those of a server lacking a feature AWS has (no retained, no wildcards, Maximum QoS 0) may be
    // skipped here: the aws-iot-core profile lacks their capability by design;
    // test/corpus/standard-scenarios.test.ts runs them under mqtt-5 and mqtt-5-minimal.
    const CAPS = 'qos2|mqtt-standard|subscription-identifiers|enhanced-auth|no-retained|no-wildcard-subscriptions|maximum-qos-0'
    const byDesign = new RegExp(`^target bundled lacks (${CAPS})(, (${CAPS}))*$`)
    const notPassed = report.scenarios.filter((s) => s.status !== 'passed' && !(s.status === 'skipped' && byDesign.test(s.reason ?? ''))).map((s) => `${s.id}: ${s.status} ${s.reason ?? ''} ${s.failures.map((f) => f.message).join('; ')}`)
    expect(notPassed).toEqual([])
    // 36 cells today, all by design (above): QoS 2 flows, keep-alive under 30 s, retained through wildcards, in-flight QoS 2 on resume,
    // Subscription Identifiers, a shared member's session ending, enhanced authentication (2), 65,535-byte topics (2),
    // the CONNACK Reason String and User Properties (1), a server lacking a feature (3).
    expect(report.scenarios.filter((s) => s.status === 'skipped').length).toBeLessThanOrEqual(36)
    expect(report.summary.total).toBeGreaterThanOrEqual(19)
    const ids = new Set(report.scenarios.map((s) => s.id.replace(/\[.*$/, '')))
    for (const id of ['qos0-qos1-round-trip', 'retained-exact-match', 'connack-properties', 'topic-alias-out-of-range', 'client-id-takeover', 'persistent-session-replay-rate', 'subscribe-nine-filters-refused', 'topic-eight-slashes-refused', 'user-properties-forwarded', 'direct-message-without-subscription']) {
      expect(ids.has(id), id).toBe(true)
    }
    const replay = report.scenarios.find((s) => s.id === 'persistent-session-replay-rate[version=5]')!
    expect(replay.timelines![0]!.points).toHaveLength(20)
    const points = replay.timelines![0]!.points
    // 20 messages at 10/s cannot arrive in much less than a second and a half.
    expect(points[points.length - 1]! - points[0]!).toBeGreaterThan(1500)
    // The whole corpus (about 190 cells): 30 s alone, longer beside the other test workers.
  }, 180_000)

  it('against a server lacking QoS 1 and wildcard subscriptions (mqtt-5-minimal), only the scenarios written for it run: the rest are skipped for the feature they assume, none failed', async () => {
    const report = await runShipped({ profile: 'mqtt-5-minimal' })
    expect(report.summary.failed).toBe(0)
    expect(report.summary.errored).toBe(0)
    const ran = report.scenarios.filter((s) => s.status === 'passed').map((s) => s.id.replace(/\[.*$/, ''))
    expect(new Set(ran)).toEqual(new Set(['wildcard-unavailable-refused', 'will-retain-unavailable-refused', 'subscribe-above-maximum-qos-granted']))
    const qos0 = report.scenarios.find((s) => s.id.startsWith('qos0-qos1-round-trip'))!
    expect(qos0.status).toBe('skipped')
    expect(qos0.reason).toMatch(/lacks .*qos1/)
  })

  it('detect a broker that breaks the behaviour they check', async () => {
    const dir = tempDir({ 'deviant.yaml': 'retained:\n  exactMatchOnly: false\nmqtt:\n  filtersPerSubscribe: 9\n' })
    const report = await runShipped({ config: join(dir, 'deviant.yaml'), grep: /^(retained-exact-match|subscribe-nine-filters-refused)\[version=5\]$/ })
    const byId = new Map(report.scenarios.map((s) => [s.id, s]))
    expect([...byId.keys()].sort()).toEqual(['retained-exact-match[version=5]', 'subscribe-nine-filters-refused[version=5]'])
    expect(byId.get('retained-exact-match[version=5]')!.status).toBe('failed')
    expect(byId.get('subscribe-nine-filters-refused[version=5]')!.status).toBe('failed')
    expect(byId.get('retained-exact-match[version=5]')!.failures[0]!.message).toMatch(/^plus received a PUBLISH it should not have/)
    expect(byId.get('subscribe-nine-filters-refused[version=5]')!.failures[0]!.message).toMatch(/^SUBACK for device did not match: reasonCodes: expected a list containing \{"gte":128\}/)
  }, 30_000)
})
