import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Command } from 'commander'
import { describe, expect, it } from 'vitest'
import { buildProgram } from '../../runners/cli.js'

// One source of truth for options: every option of every command's --help is
// in the README, and every --option the README names is a real one (or is
// listed below as another tool's). And no link in the docs leaves the repository.
const root = fileURLToPath(new URL('../../', import.meta.url))
const readme = readFileSync(join(root, 'README.md'), 'utf8')

/** Flags the README shows for other programs, with whose they are. */
const OTHER_TOOLS: Record<string, string> = {
  '--seconds': 'bench/*.ts scripts',
  '--rounds': 'bench/*.ts scripts',
  '--inflight-cap': 'bench/broker-throughput.ts',
  '--no-install-recommends': 'apt-get',
  '--rm': 'docker run',
  '--inputs': 'npm run fuzz (scripts/fuzz.ts)',
  '--seed': 'npm run fuzz (scripts/fuzz.ts)',
  '--gc-check': 'npm run bench:slow-readers (bench/slow-readers.ts)',
  '--transport': 'npm run fuzz (scripts/fuzz.ts)',
}

function commands(c: Command, path: string[] = []): { path: string; options: string[] }[] {
  const here = { path: path.join(' ') || '(program)', options: c.options.map((o) => o.long!).filter(Boolean) }
  return [here, ...c.commands.flatMap((sub) => commands(sub, [...path, sub.name()]))]
}

describe('README and --help agree', () => {
  const all = commands(buildProgram())

  it('lists every command', () => {
    expect(all.map((c) => c.path)).toEqual(expect.arrayContaining(['run', 'validate', 'list', 'broker', 'load', 'report merge', 'report diff', 'version']))
    expect(all.filter((c) => c.path !== '(program)' && c.path !== 'report' && !readme.includes(`mqtt-harness ${c.path}`)).map((c) => c.path)).toEqual([])
  })

  it('documents every option of every command', () => {
    const missing = all.flatMap((c) => c.options.filter((o) => !new RegExp(`${o}(?![\\w-])`).test(readme)).map((o) => `${c.path} ${o}`))
    expect(missing).toEqual([])
  })

  it('names no option that does not exist', () => {
    const real = new Set(all.flatMap((c) => c.options))
    const named = new Set(readme.match(/(?<![\w-])--[a-z][a-z0-9-]*/g) ?? [])
    const unknown = [...named].filter((o) => !real.has(o) && !(o in OTHER_TOOLS))
    expect(unknown).toEqual([])
  })

  it('shows no default for a listener that needs a certificate', () => {
    const broker = buildProgram().commands.find((c) => c.name() === 'broker')!
    for (const name of ['--tls-port', '--https-port']) expect(broker.options.find((o) => o.long === name)!.defaultValue, name).toBeUndefined()
    const merge = buildProgram().commands.find((c) => c.name() === 'report')!.commands.find((c) => c.name() === 'merge')!
    const out = merge.options.find((o) => o.long === '--out')!
    expect(out.mandatory).toBe(true)
    expect(out.description).toMatch(/\(required\)/)
  })
})

/** Markdown files of the repository's own docs. */
function docs(): string[] {
  return ['README.md', ...readdirSync(join(root, 'docs'), { recursive: true }).map(String).filter((f) => f.endsWith('.md')).map((f) => join('docs', f))]
}

describe('links stay in the repository', () => {
  it('every relative link resolves to a file of the repository, and none is absolute or remote', () => {
    const problems: string[] = []
    for (const file of docs()) {
      const text = readFileSync(join(root, file), 'utf8')
      for (const m of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
        const target = m[1]!.split('#')[0]!
        if (target === '') continue
        if (/^[a-z]+:/i.test(target) || target.startsWith('/')) { problems.push(`${file}: ${m[1]} leaves the repository`); continue }
        const abs = resolve(root, dirname(file), target)
        if (relative(root, abs).startsWith('..')) problems.push(`${file}: ${m[1]} points outside the repository`)
        else if (!existsSync(abs)) problems.push(`${file}: ${m[1]} does not exist`)
      }
      // A path written as code that climbs out of the repository is a link in all but name.
      for (const m of text.matchAll(/`(\.\.\/[^`\s]+)`/g)) {
        if (relative(root, resolve(root, dirname(file), m[1]!)).startsWith('..')) problems.push(`${file}: ${m[1]} is outside the repository`)
      }
    }
    expect(problems).toEqual([])
  })
})
