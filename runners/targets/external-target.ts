import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { loadProfile, BrokerError } from '../../reference-broker/index.js'
import { parseYamlSource, substituteVariables, zodProblems, type Capability, type SourceIssue } from '../../spec/index.js'
import { TargetInvalidError } from '../errors.js'
import { probeTarget, type ProbeSettings } from './probe-target.js'
import { targetFileSchema, type TargetFile } from './target-file-schema.js'
import { flattenLimits, profileCapabilities, profileReadings, type ResolvedTarget } from './resolved-target.js'

/**
 * Reads and validates a target file. Every problem names file:line:col and
 * the field; `${env.NAME}` is replaced from the environment.
 */
export async function readTargetFile(file: string, env: NodeJS.ProcessEnv = process.env): Promise<TargetFile> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw new TargetInvalidError([{ file, line: 1, col: 1, path: '', message: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file (use --target bundled or a target YAML file)' : String(err) }])
  }
  const { source, issues } = parseYamlSource(text, file)
  if (!source) throw new TargetInvalidError(issues)
  const problems: SourceIssue[] = []
  const data = substituteVariables(source.data, (e) => {
    if (e.namespace !== 'env') return { error: `unknown variable \${${e.name}}: target files take \${env.NAME}` }
    const v = env[e.rest]
    return v === undefined ? { error: `environment variable ${e.rest} is not set` } : { value: v }
  }, (p, m) => problems.push(source.issue(p, m)))
  const parsed = targetFileSchema.safeParse(data)
  if (!parsed.success) for (const p of zodProblems(parsed.error.issues)) problems.push(source.issue(p.path, p.message, { key: p.key }))
  if (problems.length || !parsed.success) throw new TargetInvalidError(problems)
  return parsed.data
}

/**
 * Resolves a target file into endpoints, limits and capabilities; checks the
 * MQTT endpoint answers as an MQTT broker (`probe: false` skips it and the
 * later checks that the target is still there, for tests of what scenarios do
 * against a broker that misbehaves).
 */
export async function resolveExternalTarget(file: string, opts: { probe?: boolean } = {}): Promise<ResolvedTarget> {
  const t = await readTargetFile(file)
  const base = dirname(resolve(file))
  const rel = (p: string | undefined) => (p === undefined ? undefined : resolve(base, p))
  const readPem = (p: string | undefined, field: string) => {
    if (p === undefined) return undefined
    try {
      return readFileSync(rel(p)!)
    } catch (err) {
      throw new TargetInvalidError([{ file, line: 1, col: 1, path: field, message: `cannot read ${p}: ${(err as NodeJS.ErrnoException).code ?? err}` }])
    }
  }
  let profile
  try {
    const isFile = t.profile.includes('/') || t.profile.endsWith('.yaml')
    profile = loadProfile(isFile ? rel(t.profile)! : t.profile, rel(t.config))
  } catch (err) {
    if (err instanceof BrokerError) throw new TargetInvalidError([{ file, line: 1, col: 1, path: 'profile', message: err.message }])
    throw err
  }
  const capabilities: Set<Capability> = t.capabilities ? new Set(t.capabilities) : profileCapabilities(profile)
  if (!t.capabilities) {
    if (t.ws) capabilities.add('websocket')
    if (t.tls) capabilities.add('tls')
    if (t.tls?.cert) capabilities.add('mtls')
    if (t.http) { capabilities.add('http-data-plane'); capabilities.add('http-publish') }
    if (t.http?.sigv4) capabilities.add('sigv4')
  }
  const tls = t.tls ? {
    url: t.tls.url,
    tls: { ca: readPem(t.tls.ca, 'tls.ca'), cert: readPem(t.tls.cert, 'tls.cert'), key: readPem(t.tls.key, 'tls.key'), servername: t.tls.servername, alpn: t.tls.alpn, rejectUnauthorized: t.tls.rejectUnauthorized },
  } : undefined
  const endpoints = {
    ...(t.mqtt ? { tcp: { url: t.mqtt.url } } : {}),
    ...(tls ? { tls } : {}),
    ...(t.ws ? { ws: { url: t.ws.url, ...(tls ? { tls: tls.tls } : {}) } } : {}),
  }
  const http = t.http ? { url: t.http.url, ...(t.http.sigv4 ? { sigv4: t.http.sigv4 } : {}), ...(t.http.ca ? { ca: readPem(t.http.ca, 'http.ca') } : {}) } : undefined
  const probe: ProbeSettings = {
    endpoint: endpoints.tcp ?? endpoints.tls ?? endpoints.ws!,
    version: capabilities.has('mqtt-5') ? 5 : 4,
    clientIdPrefix: t.clientIdPrefix,
    ...(t.auth?.username !== undefined ? { username: t.auth.username } : {}),
    ...(t.auth?.password !== undefined ? { password: t.auth.password } : {}),
    ...(http ? { http } : {}),
  }
  // A real handshake, not just a TCP connect: a port that is no MQTT broker ends here (exit 3).
  if (opts.probe !== false) await probeTarget(probe)
  const urls: Record<string, string> = {}
  if (t.mqtt) urls.mqtt = t.mqtt.url
  if (t.tls) urls.mqtts = t.tls.url
  if (t.ws) urls.ws = t.ws.url
  if (t.http) urls.http = t.http.url
  return {
    info: { kind: 'external', name: t.name, profile: profile.name, urls, readings: profileReadings(profile) },
    profile,
    limits: flattenLimits(profile),
    capabilities,
    endpoints,
    ...(http ? { http } : {}),
    // Asked again after a failure: a target that went away makes the rest errored, not failed.
    ...(opts.probe !== false ? { stillThere: () => probeTarget({ ...probe, timeoutMs: 3000 }) } : {}),
    ...(t.auth ? { auth: t.auth } : {}),
    clientIdPrefix: t.clientIdPrefix,
    topicPrefix: t.topicPrefix,
    teardown: async () => {},
  }
}
