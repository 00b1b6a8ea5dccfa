import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface TlsMaterial {
  dir: string
  ca: Buffer
  serverKey: Buffer
  serverCert: Buffer
  /** A second server identity, served for SNI name `other.test`. */
  otherKey: Buffer
  otherCert: Buffer
  /** Client identities signed by the CA; `clientCert(cn)` makes more. */
  clientKey: Buffer
  clientCert: Buffer
  /** A client identity signed by a different CA (must be refused under mutual TLS). */
  strangerKey: Buffer
  strangerCert: Buffer
  issueClient(cn: string): { key: Buffer; cert: Buffer }
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
}

function issue(dir: string, name: string, subject: string, caName: string, ext: string): void {
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject])
  writeFileSync(join(dir, `${name}.ext`), ext)
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${caName}.pem`, '-CAkey', `${caName}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-sha256', '-extfile', `${name}.ext`])
}

function makeCa(dir: string, name: string): void {
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${name}`])
}

/** Makes a throwaway CA, server and client certificates in a temp folder (openssl CLI). */
export function makeTlsMaterial(): TlsMaterial {
  const dir = mkdtempSync(join(tmpdir(), 'mqtt-harness-tls-'))
  makeCa(dir, 'test-ca')
  makeCa(dir, 'stranger-ca')
  issue(dir, 'server', '/CN=localhost', 'test-ca', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n')
  issue(dir, 'other', '/CN=other.test', 'test-ca', 'subjectAltName=DNS:other.test\nextendedKeyUsage=serverAuth\n')
  issue(dir, 'client', '/CN=device-001', 'test-ca', 'extendedKeyUsage=clientAuth\n')
  issue(dir, 'stranger', '/CN=intruder', 'stranger-ca', 'extendedKeyUsage=clientAuth\n')
  const read = (f: string) => readFileSync(join(dir, f))
  let n = 0
  return {
    dir,
    ca: read('test-ca.pem'),
    serverKey: read('server.key'),
    serverCert: read('server.pem'),
    otherKey: read('other.key'),
    otherCert: read('other.pem'),
    clientKey: read('client.key'),
    clientCert: read('client.pem'),
    strangerKey: read('stranger.key'),
    strangerCert: read('stranger.pem'),
    issueClient(cn: string) {
      const name = `client-${++n}`
      issue(dir, name, `/CN=${cn}`, 'test-ca', 'extendedKeyUsage=clientAuth\n')
      return { key: read(`${name}.key`), cert: read(`${name}.pem`) }
    },
  }
}
