import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, resolve, dirname, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

/**
 * The folder rules of docs/architecture.md as code: which top-level folder may
 * import which, and only through the other folder's entry file (index.ts).
 * Tests (any `test/` folder) and tools (bench/, scripts/) are outside the rules.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const PRODUCT_FOLDERS = ['spec', 'reports', 'reference-broker', 'runners'] as const
type Folder = (typeof PRODUCT_FOLDERS)[number]
const MAY_IMPORT: Record<Folder, readonly Folder[]> = {
  spec: [],
  reports: ['spec'],
  'reference-broker': [],
  runners: ['spec', 'reports', 'reference-broker'],
}

function sourceFiles(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) {
      if (name === 'test' || name === 'node_modules' || name === 'profiles') continue
      out.push(...sourceFiles(path))
    } else if (name.endsWith('.ts') && !name.endsWith('.d.ts') && !name.endsWith('.test.ts')) out.push(path)
  }
  return out
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g

interface Edge { file: string; target: string }

function edgesOf(folder: Folder): Edge[] {
  const edges: Edge[] = []
  for (const file of sourceFiles(join(root, folder))) {
    const text = readFileSync(file, 'utf8')
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2]!
      if (!spec.startsWith('.')) continue
      edges.push({ file: relative(root, file), target: relative(root, resolve(dirname(file), spec)) })
    }
  }
  return edges
}

function topFolder(path: string): string {
  return path.split(sep)[0]!
}

describe('folder import rules (docs/architecture.md)', () => {
  for (const folder of PRODUCT_FOLDERS) {
    it(`${folder} imports only ${MAY_IMPORT[folder].join(', ') || 'nothing of ours'}, each through its entry`, () => {
      const edges = edgesOf(folder)
      expect(edges.length).toBeGreaterThan(0)
      const broken = edges.filter((e) => {
        const to = topFolder(e.target)
        if (to === folder) return false
        if (!(MAY_IMPORT[folder] as readonly string[]).includes(to)) return true
        return e.target !== join(to, 'index.js')
      }).map((e) => `${e.file} → ${e.target}`)
      expect(broken).toEqual([])
    })
  }

  it('the rule checker sees a forbidden import (self-check on a sample line)', () => {
    const sample = "import { x } from '../reports/html-report.js'\nexport { y } from './local.js'"
    const found = [...sample.matchAll(IMPORT)].map((m) => m[1])
    expect(found).toEqual(['../reports/html-report.js', './local.js'])
  })
})
