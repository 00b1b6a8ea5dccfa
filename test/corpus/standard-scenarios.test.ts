/**
 * The scenarios of MQTT standard behaviour (scenarios/standard/) pass on the
 * reference broker under the plain-MQTT profiles (those of a server lacking an
 * optional feature under mqtt-5-minimal), and each turns red under a
 * deliberate deviation that breaks a statement it is tagged with. The full
 * deviation sweep (`npm run test:deviations`) runs the aws-iot-core profile;
 * this checks the standard profiles, where these scenarios belong.
 */
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { deviations, loadProfile } from '../../reference-broker/index.js'
import { flattenLimits, runScenarios, startBundledTarget, type ResolvedTarget } from '../../runners/index.js'
import { knownRequirementIds, readScenarios, statementRefVersion, type Scenario } from '../../spec/index.js'
import { repoRoot } from './corpus.js'

const dir = join(repoRoot, 'scenarios/standard')
const targets: ResolvedTarget[] = []
afterAll(async () => { await Promise.all(targets.map((t) => t.teardown())) })

const loadedByProfile = new Map<string, Promise<Scenario[]>>()
/** The standard scenarios as read for a profile (read once per profile). */
async function load(profile: string): Promise<Scenario[]> {
  let loading = loadedByProfile.get(profile)
  if (!loading) loadedByProfile.set(profile, (loading = read(profile)))
  return structuredClone(await loading) // each run gets its own copy: runs overlap
}

async function read(profile: string): Promise<Scenario[]> {
  const loaded = await readScenarios([dir], { limits: flattenLimits(loadProfile(profile)), knownRequirements: knownRequirementIds(), cwd: repoRoot })
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => `${e.file}:${e.line} ${e.message}`).join('\n'))
  return loaded.scenarios
}

async function start(profile: string, deviation?: string): Promise<ResolvedTarget> {
  const t = await startBundledTarget({ profile, logLevel: 'error', ...(deviation ? { deviations: [deviation] } : {}) })
  targets.push(t)
  return t
}

/** Capabilities of a target lacking an optional feature: their scenarios are skipped on a full-featured broker. */
const LACKING = new Set<string>(['no-retained', 'no-wildcard-subscriptions', 'maximum-qos-0'])
const lacksFeature = (s: Scenario) => s.requires.some((c) => LACKING.has(c))

/** Deviations that break an MQTT statement, and the ids they break. */
const statementDeviations = [...deviations.values()].filter((d) => d.breaks.some((id) => statementRefVersion(id)))

/** The deviations of a plain-MQTT profile, left out of the aws-iot-core sweep: this file is their evidence (`checkedBy`). */
const PROFILE_DEVIATIONS = ['keepalive-timeout-slow', 'qos2-release-dropped', 'retained-exact-match-only', 'puback-wrong-packet-id', 'inflight-forgotten-on-resume', 'malformed-qos2-auth-ignored', 'deliveries-reordered', 'client-packet-size-ignored-qos2', 'session-present-on-new-session', 'resubscribe-retained-withheld', 'client-id-max-22', 'connack-reserved-flag-set', 'dup-flag-forwarded', 'redelivery-dup-cleared', 'client-id-refusal-accepted-311', 'subscription-identifiers-dropped', 'subscription-identifier-single', 'sent-qos2-expires', 'shared-rerouted-at-session-end', 'session-expiry-while-connected', 'suback-property-length-omitted', 'suback-flags-set', 'wildcard-unavailable-granted', 'retained-will-accepted-unavailable', 'subscribe-above-maximum-qos-refused', 'topic-limit-65534', 'connack-reason-string-unfitted', 'connack-user-properties-unfitted', 'auth-method-missing-from-connack', 'auth-challenge-wrong-code', 'auth-reason-code-undefined', 'auth-reason-string-unfitted', 'auth-user-properties-unfitted', 'reauth-failure-left-open']

describe('scenarios/standard', () => {
  it('runs every deviation of a plain-MQTT profile', () => {
    expect([...deviations.values()].filter((d) => d.profile).map((d) => d.name).sort()).toEqual([...PROFILE_DEVIATIONS].sort())
  })

  it('each scenario is tagged with a statement some deviation breaks', async () => {
    const scenarios = await load('mqtt-5')
    const broken = new Set(statementDeviations.flatMap((d) => d.breaks))
    const orphans = [...new Set(scenarios.filter((s) => !s.spec.some((id) => broken.has(id))).map((s) => s.baseId))]
    expect(orphans).toEqual([])
    // Only statement ids: these scenarios judge the standards, not the AWS catalogue.
    expect(scenarios.flatMap((s) => s.spec.filter((id) => !statementRefVersion(id)).map((id) => `${s.baseId}: ${id}`))).toEqual([])
  })

  // Scenarios of a server lacking an optional feature run where the features are off (mqtt-5-minimal), the others where they are on.
  for (const [profile, lacking] of [['mqtt-5', false], ['mqtt-3.1.1', false], ['mqtt-5-minimal', true]] as const) {
    it(`pass on the reference broker under the ${profile} profile`, async () => {
      const scenarios = (await load(profile)).filter((s) => lacksFeature(s) === lacking)
      if (lacking) expect(scenarios.length).toBeGreaterThan(0)
      const report = await runScenarios(scenarios, await start(profile), { concurrency: 8 })
      const bad = report.scenarios.filter((s) => s.status !== 'passed').map((s) => `${s.id}: ${s.status} ${s.failures[0]?.message ?? s.reason ?? ''}`)
      expect(bad).toEqual([])
    }, 60_000)
  }

  // A deviation without a profile is also swept with aws-iot-core: check that profile too.
  // Each check has its own broker and mostly waits on the scenarios' timers, so several run at once.
  for (const [d, profile] of statementDeviations.flatMap((d) => (d.profile ? [[d, d.profile]] : [[d, 'mqtt-5'], [d, 'aws-iot-core']]) as [typeof d, string][])) {
    it.concurrent(`turn red under the ${d.name} deviation (${profile})`, async () => {
      const tagged = (await load(profile)).filter((s) => s.spec.some((id) => d.breaks.includes(id)) && (!d.scenarios || d.scenarios.includes(s.baseId)))
      // A statement checked by a scenario outside scenarios/standard (an AWS behaviour's scenario
      // tagged with it too) is shown red by the aws-iot-core sweep, which runs every deviation without a profile.
      if (tagged.length === 0 && !d.profile) return
      expect(tagged.length).toBeGreaterThan(0)
      const report = await runScenarios(tagged, await start(profile, d.name), { concurrency: 8 })
      const green = report.scenarios.filter((s) => s.status !== 'failed').map((s) => `${s.id}: ${s.status}`)
      expect(green).toEqual([])
    }, 60_000)
  }
})
