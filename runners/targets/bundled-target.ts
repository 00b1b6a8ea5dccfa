import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { startReferenceBroker, loadProfile, type LogLevel, type ProfileOverrides } from '../../reference-broker/index.js'
import { packageRoot } from '../package-info.js'
import type { SigV4Settings } from '../adapters/http-client.js'
import { flattenLimits, profileCapabilities, profileReadings, type ResolvedTarget } from './resolved-target.js'

/** The test policy the `policy-fixture` capability stands for (AWS IoT policy JSON). */
const POLICY_FIXTURE_FILE = 'scenarios/fixtures/policy-fixture.json'
const POLICY_FIXTURE_NAME = 'hx-policy-fixture'

/**
 * Profile overrides attaching the test policy to every caller: everything is
 * allowed except resources carrying a reserved marker (`hx-denied`,
 * `hx-deny-<action>`), so authorization scenarios run next to all the others.
 * Null when the file is not shipped.
 */
function policyFixtureOverrides(): ProfileOverrides | null {
  const root = packageRoot()
  const file = root ? join(root, POLICY_FIXTURE_FILE) : undefined
  if (!file || !existsSync(file)) return null
  const document = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
  return { auth: { policies: { [POLICY_FIXTURE_NAME]: document }, attachments: { default: [POLICY_FIXTURE_NAME] } } }
}

/**
 * The fixed test key pair of the `sigv4` capability: the bundled target's
 * broker verifies SigV4 with it and refuses unsigned requests (as AWS does),
 * and every `http` step signs with it unless it says `sign: false`. The
 * signing name is `iotdata`, the API models' (contradiction C10: the broker
 * also accepts `iotdevicegateway`). A test key, never a secret.
 */
const BUNDLED_SIGV4_KEY = { accessKeyId: 'AKIDMQTTHARNESSTEST', secretAccessKey: 'mqtt-harness-bundled-target-test-secret' } as const
const BUNDLED_SIGNING_NAME = 'iotdata'

export interface BundledTargetOptions {
  /** Bundled profile name or profile file (default aws-iot-core). */
  profile?: string
  /** A YAML file overriding profile values (e.g. a short session expiry). */
  config?: string
  /**
   * Deliberate deviations of the reference broker (see reference-broker
   * deviations): proves scenarios fail. The scenarios' limits still come from
   * the documented profile, so they keep expecting the documented behaviour.
   */
  deviations?: string[]
  /** The broker's log level (default warn: it says so when it runs with deviations). */
  logLevel?: LogLevel
}

/**
 * `--target bundled`: starts the reference broker in this process on
 * 127.0.0.1, port 0, with the chosen profile; teardown stops it. Unless the
 * --config file brings policies of its own, the broker gets the test policy
 * (`policy-fixture`) and the test key pair with signatures required (`sigv4`).
 */
export async function startBundledTarget(opts: BundledTargetOptions = {}): Promise<ResolvedTarget> {
  const profile = loadProfile(opts.profile ?? 'aws-iot-core', opts.config)
  // No policies of the user's own (development mode): the harness configures the broker's auth.
  const ownAuth = Object.keys(profile.auth.policies).length > 0
  const fixture = ownAuth ? null : policyFixtureOverrides()
  // The test key goes next to any keys of the config; every caller must then sign, as on AWS.
  const overrides: ProfileOverrides | null = ownAuth ? null : {
    auth: {
      ...fixture?.auth,
      credentials: [...profile.auth.credentials.filter((c) => c.accessKeyId !== BUNDLED_SIGV4_KEY.accessKeyId), { ...BUNDLED_SIGV4_KEY }],
    },
  }
  const sigv4: SigV4Settings | undefined = overrides ? { ...BUNDLED_SIGV4_KEY, region: profile.auth.region, service: BUNDLED_SIGNING_NAME } : undefined
  // The broker loads the files itself so relative paths in a config (policies) resolve against it.
  const broker = await startReferenceBroker({
    profile: opts.profile ?? 'aws-iot-core',
    config: opts.config,
    deviations: opts.deviations,
    ...(overrides ? { overrides, requireSignature: true } : {}),
    ...(opts.logLevel ? { logLevel: opts.logLevel } : {}),
  })
  try {
    const capabilities = profileCapabilities(profile)
    for (const c of ['websocket', 'http-data-plane', 'http-publish'] as const) capabilities.add(c)
    if (fixture) capabilities.add('policy-fixture')
    // The bundled broker performs HX-CHALLENGE where its profile enables it; another broker's
    // profile says nothing of its test plugins: its target file lists the capability.
    if (profile.mqtt.enhancedAuth) capabilities.add('enhanced-auth')
    if (sigv4) capabilities.add('sigv4')
    const deviated = opts.deviations?.length ? ` with deviations ${opts.deviations.join(', ')}` : ''
    return {
      info: { kind: 'bundled', name: `bundled${deviated}`, profile: profile.name, urls: { ...broker.urls } as Record<string, string>, readings: profileReadings(profile) },
      profile,
      limits: flattenLimits(profile),
      capabilities,
      endpoints: {
        tcp: { url: broker.urls.mqtt! },
        ...(broker.urls.ws ? { ws: { url: broker.urls.ws } } : {}),
      },
      ...(broker.urls.http ? { http: { url: broker.urls.http, ...(sigv4 ? { sigv4 } : {}) } } : {}),
      clientIdPrefix: '',
      topicPrefix: '',
      teardown: () => broker.close(),
    }
  } catch (err) {
    await broker.close()
    throw err
  }
}
