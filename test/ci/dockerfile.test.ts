import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// No docker on these machines: the Dockerfile is checked statically. Every
// instruction is a known one, every file it copies from the context exists
// and is not ignored, the image holds what the npm package ships, the build
// stage holds what the build compiles, and the entrypoint is the CLI.
const root = fileURLToPath(new URL('../../', import.meta.url))
const read = (rel: string) => readFileSync(join(root, rel), 'utf8')

interface Instruction { op: string; args: string; line: number }

/** Dockerfile instructions, continuation lines joined, comments dropped. */
function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const start = i
    let line = lines[i]!
    if (/^\s*(#|$)/.test(line)) continue
    while (line.endsWith('\\') && i + 1 < lines.length) line = line.slice(0, -1) + ' ' + lines[++i]!.trim()
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line)
    if (!m) throw new Error(`Dockerfile:${start + 1}: not an instruction: ${line}`)
    out.push({ op: m[1]!.toUpperCase(), args: m[2]!.trim(), line: start + 1 })
  }
  return out
}

const KNOWN = new Set(['FROM', 'RUN', 'CMD', 'LABEL', 'EXPOSE', 'ENV', 'ADD', 'COPY', 'ENTRYPOINT', 'VOLUME', 'USER', 'WORKDIR', 'ARG', 'ONBUILD', 'STOPSIGNAL', 'HEALTHCHECK', 'SHELL'])

/** The stages: each FROM and the instructions after it. */
function stages(ins: Instruction[]): { from: string; name?: string; body: Instruction[] }[] {
  const out: { from: string; name?: string; body: Instruction[] }[] = []
  for (const i of ins) {
    if (i.op === 'FROM') {
      const [image, as, name] = i.args.split(/\s+/)
      out.push({ from: image!, ...(as?.toUpperCase() === 'AS' ? { name: name! } : {}), body: [] })
    } else out.at(-1)!.body.push(i)
  }
  return out
}

/** COPY sources and destination (without --from and other flags). */
function copyArgs(args: string): { from?: string; sources: string[]; dest: string } {
  const words = args.split(/\s+/)
  const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length)
  const rest = words.filter((w) => !w.startsWith('--'))
  return { ...(from ? { from } : {}), sources: rest.slice(0, -1), dest: rest.at(-1)! }
}

const ignored = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
const isIgnored = (p: string) => ignored.some((pat) => p === pat || p.startsWith(`${pat}/`))

describe('Dockerfile (static checks; no docker here)', () => {
  const ins = parseDockerfile(read('Dockerfile'))
  const [build, final] = stages(ins)

  it('has only known instructions, two stages on Node 20', () => {
    for (const i of ins) expect(KNOWN.has(i.op), `line ${i.line}: ${i.op}`).toBe(true)
    expect(stages(ins)).toHaveLength(2)
    expect(build!.from).toMatch(/^node:20\b/)
    expect(final!.from).toMatch(/^node:20\b/)
    expect(() => parseDockerfile('FROM node:20\n!!! nonsense\n')).toThrow(/not an instruction/)
  })

  it('copies only files that exist in the build context and are not ignored', () => {
    for (const i of ins.filter((x) => x.op === 'COPY')) {
      const c = copyArgs(i.args)
      if (c.from) { expect(c.from, `line ${i.line}`).toBe(build!.name); continue }
      for (const src of c.sources) {
        expect(existsSync(join(root, src)), `line ${i.line}: ${src}`).toBe(true)
        expect(isIgnored(src), `line ${i.line}: ${src} is in .dockerignore`).toBe(false)
      }
    }
  })

  it('the build stage copies every folder the build compiles', () => {
    const include = (JSON.parse(read('tsconfig.build.json')) as { include: string[] }).include
    const copied = build!.body.filter((x) => x.op === 'COPY').flatMap((x) => copyArgs(x.args).sources)
    for (const dir of include) expect(copied, dir).toContain(dir)
    for (const f of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json']) expect(copied).toContain(f)
    expect(build!.body.some((x) => x.op === 'RUN' && /\bnpm ci\b/.test(x.args))).toBe(true)
  })

  it('the image holds everything the npm package ships (package.json "files")', () => {
    const files = (JSON.parse(read('package.json')) as { files: string[] }).files
    const copies = final!.body.filter((x) => x.op === 'COPY').map((x) => copyArgs(x.args))
    const shipped = copies.flatMap((c) => c.sources.map((s) => (c.from ? s.replace(/^\/opt\/mqtt-harness\//, '') : s)))
    for (const entry of files) {
      // spec/*.json: each file the glob matches.
      const wanted = entry.includes('*')
        ? readdirSync(join(root, entry.split('/')[0]!)).filter((n) => new RegExp(`^${entry.split('/')[1]!.replace('.', '\\.').replace('*', '.*')}$`).test(n)).map((n) => `${entry.split('/')[0]}/${n}`)
        : [entry]
      expect(wanted.length, entry).toBeGreaterThan(0)
      for (const w of wanted) expect(shipped, w).toContain(w)
    }
    expect(final!.body.some((x) => x.op === 'RUN' && /npm ci --omit=dev/.test(x.args))).toBe(true)
  })

  it('the entrypoint is the CLI, bin/mqtt-harness.js, where the image puts it', () => {
    const entry = final!.body.find((x) => x.op === 'ENTRYPOINT')!
    const argv = JSON.parse(entry.args) as string[]
    expect(argv[0]).toBe('node')
    expect(argv[1]).toMatch(/\/bin\/mqtt-harness\.js$/)
    const workdir = final!.body.filter((x) => x.op === 'WORKDIR' && final!.body.indexOf(x) < final!.body.findIndex((y) => y.op === 'COPY' && y.args.startsWith('bin ')))
    expect(`${workdir.at(-1)!.args}/bin/mqtt-harness.js`).toBe(argv[1])
    expect(existsSync(join(root, 'bin', 'mqtt-harness.js'))).toBe(true)
    // The broker's listeners are published; the default command is the help.
    expect(final!.body.find((x) => x.op === 'EXPOSE')!.args.split(/\s+/)).toEqual(expect.arrayContaining(['1883', '8080', '8443']))
    expect(JSON.parse(final!.body.find((x) => x.op === 'CMD')!.args)).toEqual(['--help'])
  })
})
