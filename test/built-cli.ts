import { execFile, spawn } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

/** The repository root, and the CLI the tests run as a user would (bin/ runs dist/). */
export const ROOT = fileURLToPath(new URL('../', import.meta.url))
export const BIN = join(ROOT, 'bin', 'mqtt-harness.js')

const SOURCES = ['spec', 'reference-broker', 'runners', 'reports']
const BUILT = join(ROOT, 'dist', 'runners', 'cli.js')
const LOCK = join(ROOT, '.build-lock')

function newestSource(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'test' || entry.name === 'node_modules') continue
    const p = join(dir, entry.name)
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(p))
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs)
  }
  return newest
}

/** Whether dist/ is older than a source file (tsc rewrites every output, so cli.js dates the build). */
export function buildIsStale(): boolean {
  if (!existsSync(BUILT)) return true
  const built = statSync(BUILT).mtimeMs
  return SOURCES.some((d) => newestSource(join(ROOT, d)) > built)
}

/**
 * Makes sure dist/ is built from the current sources, building at most once
 * however many test files ask at the same time (a lock folder; a waiter
 * re-checks once the builder is done). `npm test` builds first (pretest), so
 * there this costs one look at file dates; a lone `npx vitest run file`
 * after an edit builds here.
 */
export async function ensureBuilt(deadlineMs = 170_000): Promise<void> {
  const until = Date.now() + deadlineMs
  while (buildIsStale()) {
    let mine = false
    try { mkdirSync(LOCK); mine = true } catch { /* another worker is building */ }
    if (mine) {
      try {
        // tsc emits even when a module has a type error; the typecheck gate is separate.
        if (buildIsStale()) await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT }).catch(() => {})
      } finally {
        rmdirSync(LOCK)
      }
      return
    }
    if (Date.now() > until) throw new Error(`dist/ is still being built by another test worker after ${deadlineMs} ms (remove ${LOCK} if no build runs)`)
    // The lock folder goes when the build ends; polling it is the only event another process gives.
    await new Promise((r) => setTimeout(r, 250))
  }
}

/** What one CLI run printed and how it ended. */
export interface CliRun { code: number | null; stdout: string; stderr: string; ms: number }

/** Runs the built CLI in `cwd` as a user would; a hung CLI fails the test instead of hanging it. */
export function runCli(args: string[], cwd: string, timeoutMs = 45_000): Promise<CliRun> {
  const started = Date.now()
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => { stdout += d })
    child.stderr.on('data', (d) => { stderr += d })
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`CLI did not exit within ${timeoutMs} ms: ${args.join(' ')}\n${stdout}\n${stderr}`)) }, timeoutMs)
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr, ms: Date.now() - started }) })
  })
}
