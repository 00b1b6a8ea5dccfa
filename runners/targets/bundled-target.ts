import { startReferenceBroker, loadProfile } from '../../reference-broker/index.js'
import { flattenLimits, profileCapabilities, profileReadings, type ResolvedTarget } from './resolved-target.js'

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
}

/**
 * `--target bundled`: starts the reference broker in this process on
 * 127.0.0.1, port 0, with the chosen profile; teardown stops it.
 */
export async function startBundledTarget(opts: BundledTargetOptions = {}): Promise<ResolvedTarget> {
  const profile = loadProfile(opts.profile ?? 'aws-iot-core', opts.config)
  // The broker loads the files itself so relative paths in a config (policies) resolve against it.
  const broker = await startReferenceBroker({ profile: opts.profile ?? 'aws-iot-core', config: opts.config, deviations: opts.deviations })
  try {
    const capabilities = profileCapabilities(profile)
    for (const c of ['websocket', 'http-data-plane', 'http-publish'] as const) capabilities.add(c)
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
      ...(broker.urls.http ? { http: { url: broker.urls.http } } : {}),
      clientIdPrefix: '',
      topicPrefix: '',
      teardown: () => broker.close(),
    }
  } catch (err) {
    await broker.close()
    throw err
  }
}
