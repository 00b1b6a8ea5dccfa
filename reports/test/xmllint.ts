import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** Our XSD for the Jenkins/Ant JUnit format (see the comment at its top). */
export const JUNIT_XSD = fileURLToPath(new URL('./junit.xsd', import.meta.url))

/**
 * Runs xmllint on `xml` from stdin: well-formedness only, or validity against
 * an XSD. Throws when xmllint is missing, so a machine without libxml2-utils
 * fails the tests instead of skipping them.
 */
export function xmllint(xml: string, schema?: string): { ok: boolean; output: string } {
  const args = ['--noout', '--nonet', ...(schema ? ['--schema', schema] : []), '-']
  const res = spawnSync('xmllint', args, { input: xml, encoding: 'utf8', timeout: 20_000 })
  if (res.error) throw new Error(`xmllint could not run (scripts/install-system-deps.sh installs libxml2-utils): ${res.error.message}`)
  return { ok: res.status === 0, output: `${res.stdout}${res.stderr}` }
}
