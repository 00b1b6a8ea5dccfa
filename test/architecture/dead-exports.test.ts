import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

/**
 * No dead exports: a function, class or constant an inner module of spec/,
 * reports/ or runners/ exports must be used by another file (product, test,
 * bench or script) or re-exported by its folder's entry (the package API).
 * Types are left out: an options type is exported with its factory by habit.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const CHECKED = ['spec', 'reports', 'runners']
const ENTRIES = CHECKED.map((f) => `${f}/index.ts`)
const SEARCHED = [...CHECKED, 'reference-broker', 'test', 'bench', 'scripts', 'bin', 'deploy']

function codeFiles(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(join(root, dir))) {
    const path = join(dir, name)
    if (statSync(join(root, path)).isDirectory()) {
      if (name !== 'node_modules') out.push(...codeFiles(path))
    } else if (/\.(ts|js|mjs)$/.test(name) && !name.endsWith('.d.ts')) out.push(path)
  }
  return out
}

/** What each entry re-exports, per source file: every name (`export *`) or a list. */
function entryExports(texts: ReadonlyMap<string, string>): Map<string, '*' | Set<string>> {
  const out = new Map<string, '*' | Set<string>>()
  for (const entry of ENTRIES) {
    const sf = ts.createSourceFile(entry, texts.get(entry)!, ts.ScriptTarget.Latest)
    for (const st of sf.statements) {
      if (!ts.isExportDeclaration(st) || !st.moduleSpecifier || !ts.isStringLiteral(st.moduleSpecifier)) continue
      const target = relative(root, resolve(root, dirname(entry), st.moduleSpecifier.text.replace(/\.js$/, '.ts')))
      if (!st.exportClause || !ts.isNamedExports(st.exportClause)) { out.set(target, '*'); continue }
      const names = out.get(target) ?? new Set<string>()
      if (names !== '*') for (const el of st.exportClause.elements) names.add((el.propertyName ?? el.name).text)
      out.set(target, names)
    }
  }
  return out
}

function exportedValues(file: string, text: string): string[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest)
  const names: string[] = []
  for (const st of sf.statements) {
    const exported = ts.canHaveModifiers(st) && (ts.getModifiers(st) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
    if (!exported) continue
    if (ts.isVariableStatement(st)) for (const d of st.declarationList.declarations) { if (ts.isIdentifier(d.name)) names.push(d.name.text) }
    else if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st)) && st.name) names.push(st.name.text)
  }
  return names
}

describe('dead exports', () => {
  it('every exported value of an inner module is used elsewhere or is package API', () => {
    const files = SEARCHED.flatMap((d) => codeFiles(d))
    const texts = new Map(files.map((f) => [f, readFileSync(join(root, f), 'utf8')]))
    const api = entryExports(texts)
    const inner = files.filter((f) => CHECKED.some((d) => f.startsWith(`${d}/`)) && !ENTRIES.includes(f) && !/(^|\/)test\//.test(f) && f.endsWith('.ts') && !f.endsWith('.test.ts'))
    const dead: string[] = []
    for (const file of inner) {
      const reexported = api.get(file)
      for (const name of exportedValues(file, texts.get(file)!)) {
        if (reexported === '*' || reexported?.has(name)) continue
        const word = new RegExp(`\\b${name}\\b`)
        if (!files.some((other) => other !== file && !ENTRIES.includes(other) && word.test(texts.get(other)!))) dead.push(`${file}: ${name}`)
      }
    }
    expect(dead).toEqual([])
  })
})
