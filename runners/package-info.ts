import { existsSync, readFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The package root, from the sources (runners/) or the build (dist/runners/). */
export function packageRoot(): string | undefined {
  for (const rel of ['../package.json', '../../package.json']) {
    const file = fileURLToPath(new URL(rel, import.meta.url))
    if (!existsSync(file)) continue
    try {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string }
      if (pkg.name === 'mqtt-harness') return dirname(file)
    } catch {
      // try the next candidate
    }
  }
  return undefined
}

/** The package version for reports. */
export function toolVersion(): string {
  const root = packageRoot()
  if (!root) return '0.0.0'
  return (JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { version?: string }).version ?? '0.0.0'
}
