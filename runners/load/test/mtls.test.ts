import { describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { runLoad } from '../run-load.js'
import { tempFiles } from './helpers.js'

describe('mutual TLS with one identity per device', () => {
  it('issues a certificate per device from a CA (openssl), then reuses them as a directory', async () => {
    const dir = tempFiles({})
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=load-test-ca'], { cwd: dir, stdio: 'pipe' })
    const scenario = (identities: string) => `id: mtls
title: mTLS devices
devices:
  count: 8
  transport: mtls
  clientId: "mtls-dev-\${i}"
  identities: ${identities}
  connectRate: 100/s
stages: [{ stage: steady, duration: 1s, rate: 16/s }]
directMessage: { confirmation: true, timeout: 2 }
`
    const files = tempFiles({
      'issue.yaml': scenario(`{ issueFrom: { cert: ${dir}/ca.crt, key: ${dir}/ca.key }, cacheDir: ${dir}/ids }`),
      'dir.yaml': scenario(`{ dir: ${dir}/ids, ca: ${dir}/ca.crt }`),
    })
    const first = await runLoad({ scenarioFile: join(files, 'issue.yaml') })
    expect(first.report.fleet).toMatchObject({ devices: 8, connected: 8, connectFailures: 0 })
    expect(first.report.target.urls.mqtts).toMatch(/^mqtts:/)
    expect(first.report.dm!.buckets['200']).toBe(16)
    expect(first.report.books.balanced).toBe(true)
    expect(readdirSync(join(dir, 'ids')).filter((f) => f.endsWith('.crt'))).toHaveLength(8)
    const second = await runLoad({ scenarioFile: join(files, 'dir.yaml') })
    expect(second.report.fleet.connected).toBe(8)
    expect(second.report.dm!.buckets['200']).toBe(16)
  })
})
