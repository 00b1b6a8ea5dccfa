import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import type { IdentitiesDecl } from '../../spec/index.js'
import { HarnessError } from '../errors.js'

const run = promisify(execFile)

/** Device identities cannot be found or issued (missing files, too few pairs, openssl failed). */
export class LoadIdentitiesError extends HarnessError {
  constructor(message: string) {
    super('HX_LOAD_IDENTITIES', message)
  }
}

export interface IdentityFiles {
  cert: string
  key: string
}

async function openssl(cwd: string, args: string[]): Promise<void> {
  try {
    await run('openssl', args, { cwd })
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string }
    throw new LoadIdentitiesError(e.code === 'ENOENT' ? 'openssl is not installed (scripts/install-system-deps.sh installs it)' : `openssl ${args[0]} failed: ${e.stderr ?? e.message}`)
  }
}

// EC P-256: key generation is milliseconds, where RSA 2048 would make issuing 10k identities take many minutes.
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes']

/** Issues one certificate signed by `ca` for subject CN `cn`, into `dir/name.{crt,key}`. */
async function issue(dir: string, name: string, cn: string, ca: IdentityFiles, ext: string): Promise<IdentityFiles> {
  const cert = join(dir, `${name}.crt`)
  const key = join(dir, `${name}.key`)
  if (existsSync(cert) && existsSync(key)) return { cert, key }
  await openssl(dir, ['req', ...EC, '-keyout', key, '-out', `${name}.csr`, '-subj', `/CN=${cn}`])
  await writeFile(join(dir, `${name}.ext`), ext)
  await openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', String(Date.now() * 1000 + Math.floor(Math.random() * 1000)), '-out', cert, '-days', '30', '-sha256', '-extfile', `${name}.ext`])
  return { cert, key }
}

/** Runs `fn` over `items` with at most `limit` at a time. */
async function pool<T, R>(items: readonly T[], limit: number, fn: (x: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length)
  let next = 0
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) { const i = next++; out[i] = await fn(items[i]!, i) }
  }))
  return out
}

/**
 * One client identity per device (mTLS), by global device index: from a
 * directory of pairs (sorted by name; `<n>.crt`+`<n>.key`, `<n>.pem`+`<n>.key`
 * or `<n>.pem`+`<n>-key.pem`), or issued with openssl from a CA, CN = the
 * client id, kept in `cacheDir` so the next run reuses them.
 */
export async function resolveIdentities(decl: IdentitiesDecl, clientIds: readonly string[], baseDir: string): Promise<IdentityFiles[]> {
  if ('dir' in decl) {
    const dir = resolve(baseDir, decl.dir)
    let names: string[]
    try { names = (await readdir(dir)).sort() } catch { throw new LoadIdentitiesError(`identities directory ${dir} cannot be read`) }
    const set = new Set(names)
    const pairs: IdentityFiles[] = []
    for (const n of names) {
      const m = /^(.*?)(\.crt|\.pem)$/.exec(n)
      if (!m || n.endsWith('-key.pem')) continue
      const key = [`${m[1]}.key`, `${m[1]}-key.pem`].find((k) => set.has(k))
      if (key) pairs.push({ cert: join(dir, n), key: join(dir, key) })
    }
    if (pairs.length < clientIds.length) throw new LoadIdentitiesError(`identities directory ${dir} has ${pairs.length} cert/key pairs for ${clientIds.length} devices (one identity per device)`)
    return pairs.slice(0, clientIds.length)
  }
  const ca = { cert: resolve(baseDir, decl.issueFrom.cert), key: resolve(baseDir, decl.issueFrom.key) }
  for (const f of [ca.cert, ca.key]) if (!existsSync(f)) throw new LoadIdentitiesError(`CA file ${f} does not exist`)
  const dir = decl.cacheDir ? resolve(baseDir, decl.cacheDir) : await mkdtemp(join(tmpdir(), 'hx-load-ids-'))
  await mkdir(dir, { recursive: true })
  return pool(clientIds, 4, (id, i) => issue(dir, `d${i}-${id.replace(/[^A-Za-z0-9_.-]/g, '_')}`, id, ca, 'extendedKeyUsage=clientAuth\n'))
}

/** A throwaway CA and a server certificate for 127.0.0.1/localhost: TLS for the bundled broker. */
export async function makeServerIdentity(): Promise<{ dir: string; ca: IdentityFiles; server: IdentityFiles }> {
  const dir = await mkdtemp(join(tmpdir(), 'hx-load-tls-'))
  const ca = { cert: join(dir, 'ca.crt'), key: join(dir, 'ca.key') }
  await openssl(dir, ['req', '-x509', ...EC, '-keyout', ca.key, '-out', ca.cert, '-days', '2', '-subj', '/CN=mqtt-harness load CA'])
  const server = await issue(dir, 'server', 'localhost', ca, 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n')
  return { dir, ca, server }
}
