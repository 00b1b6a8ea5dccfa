import { readFileSync, readdirSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { ERROR_CODES, EXIT, exitCodeFor } from '../../spec/index.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

/** The codes of the first table of docs/errors.md (the one headed `| Code |`). */
function documentedCodes(): string[] {
  const lines = readFileSync(join(root, 'docs/errors.md'), 'utf8').split('\n')
  const start = lines.findIndex((l) => l.startsWith('| Code |'))
  const codes: string[] = []
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break
    const first = line.split('|')[1]!
    codes.push(...[...first.matchAll(/`(HX_[A-Z_]+)`/g)].map((m) => m[1]!))
  }
  return codes
}

function sources(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) {
      if (name !== 'test' && name !== 'node_modules') out.push(...sources(path))
    } else if (/\.(ts|js)$/.test(name) && !name.endsWith('.test.ts')) out.push(path)
  }
  return out
}

describe('error-code registry (spec/error-codes.ts) and docs/errors.md', () => {
  it('lists exactly the codes the docs explain, each once', () => {
    const documented = documentedCodes()
    expect(new Set(documented).size).toBe(documented.length)
    expect([...documented].sort()).toEqual(Object.keys(ERROR_CODES).sort())
  })

  it('knows every code the product code raises', () => {
    const raised = new Set<string>()
    for (const folder of ['spec', 'reports', 'runners', 'reference-broker', 'bin']) {
      for (const file of sources(join(root, folder))) {
        for (const m of readFileSync(file, 'utf8').matchAll(/\b(HX_[A-Z]+(?:_[A-Z]+)+)\b/g)) raised.add(m[1]!)
      }
    }
    const unknown = [...raised].filter((c) => !Object.hasOwn(ERROR_CODES, c) && !c.startsWith('HX_TEST_') && !c.startsWith('HX_MODEL_') && !c.startsWith('HX_FUZZ_') && !c.startsWith('HX_MUTATION_') && !c.startsWith('HX_HTTP_FUZZ_'))
    expect(unknown).toEqual([])
  })

  it('gives each command-ending code its documented exit code', () => {
    expect(exitCodeFor('HX_SCENARIO_INVALID')).toBe(EXIT.INVALID_INPUT)
    expect(exitCodeFor('HX_BROKER_LISTEN')).toBe(EXIT.INVALID_INPUT)
    expect(exitCodeFor('HX_TARGET_UNREACHABLE')).toBe(EXIT.TARGET_UNREACHABLE)
    expect(exitCodeFor('HX_TARGET_NOT_MQTT')).toBe(EXIT.TARGET_UNREACHABLE)
    expect(exitCodeFor('HX_INTERNAL')).toBe(EXIT.INTERNAL_ERROR)
  })
})
