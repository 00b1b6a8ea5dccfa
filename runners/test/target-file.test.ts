import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { TargetInvalidError } from '../errors.js'
import { readTargetFile, resolveExternalTarget } from '../targets/external-target.js'
import { flattenLimits } from '../targets/resolved-target.js'
import { startFakeBroker, tempDir } from './helpers.js'
import { loadProfile } from '../../reference-broker/index.js'

async function problems(text: string, env: NodeJS.ProcessEnv = {}) {
  const dir = tempDir({ 'target.yaml': text })
  try {
    await readTargetFile(join(dir, 'target.yaml'), env)
  } catch (err) {
    expect(err).toBeInstanceOf(TargetInvalidError)
    return (err as TargetInvalidError).issues.map((i) => ({ ...i, file: 'target.yaml' }))
  }
  throw new Error('target file was accepted')
}

describe('target files', () => {
  it('reports each problem with file:line:col and the field', async () => {
    const issues = await problems(`name: broken
mqtt: { url: 'http://nope' }
tls:
  url: mqtts://host:8883
  alpn: x-amzn-mqtt-ca
capabilities: [mqtt-5, telepathy]
colour: blue
`)
    expect(issues.map((i) => `${i.line}:${i.col} ${i.path}`)).toEqual(['2:14 mqtt.url', '5:9 tls.alpn', '6:24 capabilities[1]', '7:1 colour'])
    expect(issues[0]!.message).toMatch(/URL starting with mqtt:\/\//)
    expect(issues[3]!.message).toBe('unknown key "colour"')
  })

  it('takes secrets from the environment and names a missing variable', async () => {
    const dir = tempDir({ 'target.yaml': "name: t\nmqtt: { url: 'mqtt://127.0.0.1:1' }\nhttp:\n  url: https://example.invalid\n  sigv4: { accessKeyId: AKID, secretAccessKey: '${env.HX_SECRET}', region: eu-west-1 }\n" })
    const t = await readTargetFile(join(dir, 'target.yaml'), { HX_SECRET: 's3cret' })
    expect(t.http?.sigv4).toEqual({ accessKeyId: 'AKID', secretAccessKey: 's3cret', region: 'eu-west-1', service: 'iotdevicegateway' })
    const issues = await problems("name: t\nmqtt: { url: 'mqtt://127.0.0.1:1' }\nauth: { password: '${env.HX_MISSING}' }\n")
    expect(issues).toEqual([expect.objectContaining({ line: 3, col: 19, path: 'auth.password', message: 'environment variable HX_MISSING is not set' })])
  })

  it('the sigv4 capability needs http.sigv4 credentials, and credentials imply it unless capabilities are declared', async () => {
    const issues = await problems("name: t\nmqtt: { url: 'mqtt://127.0.0.1:1' }\nhttp: { url: 'http://127.0.0.1:1' }\ncapabilities: [http-data-plane, sigv4]\n")
    expect(issues).toEqual([expect.objectContaining({ line: 4, col: 15, path: 'capabilities', message: 'the sigv4 capability needs credentials to sign with: http.sigv4' })])
    const fake = await startFakeBroker('silent', { answerProbe: true })
    // The probe asks the declared data plane too: any HTTP answer will do.
    const web = http.createServer((_, res) => res.writeHead(404).end())
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r))
    const webUrl = `http://127.0.0.1:${(web.address() as AddressInfo).port}`
    try {
      const dir = tempDir({ 'target.yaml': `name: aws\nmqtt: { url: '${fake.url}' }\nhttp: { url: '${webUrl}', sigv4: { accessKeyId: AKID, secretAccessKey: s, region: eu-west-1, service: iotdata } }\n` })
      const t = await resolveExternalTarget(join(dir, 'target.yaml'))
      expect(t.capabilities.has('sigv4')).toBe(true)
      expect(t.http?.sigv4).toEqual({ accessKeyId: 'AKID', secretAccessKey: 's', region: 'eu-west-1', service: 'iotdata' })
    } finally {
      await new Promise((r) => web.close(r))
      await fake.close()
    }
  })

  it('resolves endpoints, profile limits and declared capabilities', async () => {
    const fake = await startFakeBroker('silent', { answerProbe: true })
    try {
      const dir = tempDir({ 'target.yaml': `name: lab\nprofile: mqtt-5\nmqtt: { url: '${fake.url}' }\nclientIdPrefix: 'lab-'\ncapabilities: [mqtt-5]\n` })
      const t = await resolveExternalTarget(join(dir, 'target.yaml'))
      expect(t.info).toMatchObject({ kind: 'external', name: 'lab', profile: 'mqtt-5', urls: { mqtt: fake.url } })
      expect([...t.capabilities]).toEqual(['mqtt-5'])
      expect(t.limits.topicAliasMaximum).toBe(10)
      expect(t.clientIdPrefix).toBe('lab-')
    } finally {
      await fake.close()
    }
  })
})

describe('flattenLimits', () => {
  it('names every scalar by its dotted path and by its leaf when unambiguous', () => {
    const limits = flattenLimits(loadProfile('aws-iot-core'))
    expect(limits.topicAliasMaximum).toBe(8)
    expect(limits['mqtt.topicAliasMaximum']).toBe(8)
    expect(limits['sessions.expirySeconds']).toBe(3600)
    expect(limits.replayRatePerSecond).toBe(10)
    expect(limits['mqtt.keepAlive.minSeconds']).toBe(30)
    expect(limits.payloadMaxBytes).toBe(131072)
    expect(limits['http.payloadMaxBytes']).toBe(131072)
  })
})
