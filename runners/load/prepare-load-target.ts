import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { startReferenceBroker, type ProfileOverrides } from '../../reference-broker/index.js'
import type { LoadScenario } from '../../spec/index.js'
import { resolveExternalTarget } from '../targets/external-target.js'
import { profileReadings } from '../targets/resolved-target.js'
import type { LoadEndpoints } from './load-endpoints.js'
import { LoadSetupError } from './load-errors.js'
import { LoadIdentitiesError, makeServerIdentity, resolveIdentities } from './load-identities.js'

export interface PreparedLoadTarget {
  endpoints: LoadEndpoints
  teardown(): Promise<void>
}

function hostPort(url: string, defaultPort: number): { host: string; port: number } {
  const u = new URL(url)
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || defaultPort) }
}

/**
 * Resolves where a load run goes. `bundled` starts the reference broker in
 * this process on port 0 with the scenario's profile and overrides (by
 * default the AWS profile as is: its quotas answer 429 and the report says
 * so), with TLS from a throwaway CA when the devices use TLS, trusting the
 * devices' CA under mTLS. A target file names an external broker.
 * `deviceIds` are the client ids by global index that this process simulates
 * (mTLS identities are resolved for those only).
 */
export async function prepareLoadTarget(sc: LoadScenario, target: string, deviceIds: ReadonlyMap<number, string>): Promise<PreparedLoadTarget> {
  const base = dirname(resolve(sc.file))
  const d = sc.devices
  const mtls = d.transport === 'mtls'
  let identities: LoadEndpoints['identities']
  if (mtls && d.identities) {
    const indices = [...deviceIds.keys()].sort((a, b) => a - b)
    const files = await resolveIdentities(d.identities, indices.map((i) => deviceIds.get(i)!), base)
    identities = []
    indices.forEach((g, k) => { identities![g] = files[k]! })
  }
  if (target === 'bundled') {
    const useTls = d.transport !== 'tcp'
    let clientCa: string | undefined
    if (mtls && d.identities) {
      if ('issueFrom' in d.identities) clientCa = resolve(base, d.identities.issueFrom.cert)
      else if (d.identities.ca) clientCa = resolve(base, d.identities.ca)
      else throw new LoadIdentitiesError('the bundled broker must trust the device certificates: give devices.identities.ca (the CA that issued them)')
    }
    const server = useTls ? await makeServerIdentity() : undefined
    const broker = await startReferenceBroker({
      ...(sc.broker.profile ? { profile: sc.broker.profile } : {}),
      ...(sc.broker.overrides ? { overrides: sc.broker.overrides as ProfileOverrides } : {}),
      wsPort: false,
      httpsPort: false,
      mqttPort: useTls ? false : 0,
      ...(server ? { tls: { cert: server.server.cert, key: server.server.key, ...(clientCa ? { ca: clientCa, requestCert: true } : {}) } } : {}),
    })
    const url = (useTls ? broker.urls.mqtts : broker.urls.mqtt)!
    return {
      endpoints: {
        target: { kind: 'bundled', name: 'bundled', profile: broker.profile.name, urls: { ...broker.urls } as Record<string, string>, readings: profileReadings(broker.profile) },
        mqtt: { ...hostPort(url, 1883), ...(server ? { tls: { ca: readFileSync(server.ca.cert, 'utf8'), servername: 'localhost' } } : {}) },
        ...(broker.urls.http ? { http: { url: broker.urls.http } } : {}),
        ...(identities ? { identities } : {}),
      },
      teardown: () => broker.close(),
    }
  }
  const t = await resolveExternalTarget(target)
  const ep = d.transport === 'tcp' ? t.endpoints.tcp : t.endpoints.tls
  if (!ep) throw new LoadSetupError(`the target has no ${d.transport === 'tcp' ? 'mqtt' : 'tls'} endpoint for transport ${d.transport}`)
  const tlsOpts = ep.tls
  const caFile = d.ca ? readFileSync(resolve(base, d.ca), 'utf8') : tlsOpts?.ca ? String(tlsOpts.ca) : undefined
  return {
    endpoints: {
      target: t.info,
      mqtt: {
        ...hostPort(ep.url, d.transport === 'tcp' ? 1883 : 8883),
        ...(d.transport !== 'tcp' ? { tls: { ...(caFile ? { ca: caFile } : {}), ...(d.servername ?? tlsOpts?.servername ? { servername: d.servername ?? tlsOpts!.servername! } : {}), ...(tlsOpts?.alpn ? { alpn: tlsOpts.alpn } : {}), ...(tlsOpts?.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}) } } : {}),
        ...(t.auth?.username !== undefined ? { username: t.auth.username } : {}),
        ...(t.auth?.password !== undefined ? { password: t.auth.password } : {}),
      },
      ...(t.http ? { http: { url: t.http.url, ...(t.http.ca ? { ca: t.http.ca.toString() } : {}), ...(t.http.sigv4 ? { sigv4: t.http.sigv4 } : {}) } } : {}),
      ...(identities ? { identities } : {}),
    },
    teardown: () => t.teardown(),
  }
}
