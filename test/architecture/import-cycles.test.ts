import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, resolve, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

/**
 * The reference broker has no import cycle: every module can be read after the
 * ones it imports (type-only imports count too). A depth-first search over the
 * import graph of its .ts files (tests left out) reports the first cycle found.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g

function sourceFiles(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) {
      if (name !== 'test' && name !== 'node_modules' && name !== 'profiles') out.push(...sourceFiles(path))
    } else if (name.endsWith('.ts') && !name.endsWith('.d.ts') && !name.endsWith('.test.ts')) out.push(path)
  }
  return out
}

/** Module → the modules of the same tree it imports (relative imports, `.js` read as `.ts`). */
function importGraph(dir: string): Map<string, string[]> {
  const files = sourceFiles(dir)
  const known = new Set(files)
  const graph = new Map<string, string[]>()
  for (const file of files) {
    const targets: string[] = []
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const spec = m[1] ?? m[2]!
      if (!spec.startsWith('.')) continue
      const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts')
      if (known.has(target)) targets.push(target)
      else if (known.has(join(target, 'index.ts'))) targets.push(join(target, 'index.ts'))
    }
    graph.set(file, targets)
  }
  return graph
}

/** The first cycle found, as a list of files (first = last), or null. */
export function findCycle(graph: Map<string, string[]>): string[] | null {
  const state = new Map<string, 'open' | 'done'>()
  const path: string[] = []
  const visit = (file: string): string[] | null => {
    state.set(file, 'open')
    path.push(file)
    for (const next of graph.get(file) ?? []) {
      const s = state.get(next)
      if (s === 'open') return [...path.slice(path.indexOf(next)), next]
      if (s === undefined) {
        const found = visit(next)
        if (found) return found
      }
    }
    path.pop()
    state.set(file, 'done')
    return null
  }
  for (const file of graph.keys()) {
    if (state.has(file)) continue
    const found = visit(file)
    if (found) return found
  }
  return null
}

describe('import cycles', () => {
  it('finds a cycle when there is one (the check can fail)', () => {
    const g = new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]])
    expect(findCycle(g)).toEqual(['a', 'b', 'c', 'a'])
    expect(findCycle(new Map([['a', ['b']], ['b', []], ['c', ['a', 'b']]]))).toBeNull()
  })

  it('reference-broker/ has no import cycle', () => {
    const graph = importGraph(join(root, 'reference-broker'))
    expect(graph.size).toBeGreaterThan(20)
    const cycle = findCycle(graph)
    expect(cycle?.map((f) => relative(root, f)).join(' -> ') ?? null).toBeNull()
  })
})
