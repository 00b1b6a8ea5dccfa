import { startReferenceBroker, loadProfile } from '../../reference-broker/index.js'
import { request } from 'undici'
import { flattenLimits, profileCapabilities, profileReadings, type ResolvedTarget } from './resolved-target.js'

export interface BundledTargetOptions {
  /** Bundled profile name or profile file (default aws-iot-core). */
  profile?: string
  /** A YAML file overriding profile values (e.g. a short session expiry). */
  config?: string
}

/**
 * Whether the broker's HTTP port serves the data plane: until it is attached,
 * the reference broker answers every request with a 404 `No data-plane route`.
 */
async function hasDataPlane(httpUrl: string | undefined): Promise<boolean> {
  if (!httpUrl) return false
  try {
    const res = await request(new URL('/connections/hx-probe/messages?topic=hx-probe', httpUrl), { method: 'POST', body: '', signal: AbortSignal.timeout(2000) })
    const text = await res.body.text()
    return !(res.statusCode === 404 && text.includes('No data-plane route'))
  } catch {
    return false
  }
}

/**
 * `--target bundled`: starts the reference broker in this process on
 * 127.0.0.1, port 0, with the chosen profile; teardown stops it.
 */
export async function startBundledTarget(opts: BundledTargetOptions = {}): Promise<ResolvedTarget> {
  const profile = loadProfile(opts.profile ?? 'aws-iot-core', opts.config)
  const broker = await startReferenceBroker({ profile })
  try {
    const capabilities = profileCapabilities(profile)
    capabilities.add('websocket')
    if (await hasDataPlane(broker.urls.http)) {
      capabilities.add('http-data-plane')
      capabilities.add('http-publish')
    }
    return {
      info: { kind: 'bundled', name: 'bundled', profile: profile.name, urls: { ...broker.urls } as Record<string, string>, readings: profileReadings(profile) },
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
