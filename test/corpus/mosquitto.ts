/**
 * Mosquitto as an independent broker for the corpus: Debian's mosquitto
 * started on a free loopback port with a temporary configuration (never the
 * system service), the target files in test/targets/, and the reviewed
 * baselines of its verdicts in test/baselines/mosquitto-<profile>.yaml.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import { z } from 'zod'
import { resolveExternalTarget } from '../../runners/index.js'
import { resolveRequirements } from '../../reports/index.js'
import { outcomeSchema, requirementVerdictSchema, type Outcome, type RequirementVerdict, type Scenario, type ScenarioResult } from '../../spec/index.js'
import { readCorpus, oneLine, repoRoot, runCorpus } from './corpus.js'

export const MOSQUITTO_PROFILES = ['mqtt-5', 'aws-iot-core'] as const
export type MosquittoProfile = (typeof MOSQUITTO_PROFILES)[number]

/** The environment variable the target files read the broker's URL from. */
export const MOSQUITTO_URL_ENV = 'HX_MOSQUITTO_URL'
/** The environment variable the target files read the broker's WebSocket URL from. */
const MOSQUITTO_WS_URL_ENV = 'HX_MOSQUITTO_WS_URL'

export const targetFile = (profile: MosquittoProfile) => join(repoRoot, `test/targets/mosquitto-${profile}.yaml`)
export const baselineFile = (profile: MosquittoProfile) => join(repoRoot, `test/baselines/mosquitto-${profile}.yaml`)

/** The mosquitto binary (Debian installs it in /usr/sbin), or undefined when it is not installed. */
export function mosquittoBinary(): string | undefined {
  if (existsSync('/usr/sbin/mosquitto')) return '/usr/sbin/mosquitto'
  const which = spawnSync('sh', ['-c', 'command -v mosquitto'], { encoding: 'utf8' })
  return which.status === 0 && which.stdout.trim() ? which.stdout.trim() : undefined
}

/** `mosquitto version 2.0.11` → `2.0.11`. */
export function mosquittoVersion(bin = mosquittoBinary()): string {
  if (!bin) return 'not installed'
  const out = spawnSync(bin, ['-h'], { encoding: 'utf8' })
  return /mosquitto version (\S+)/.exec(`${out.stdout}${out.stderr}`)?.[1] ?? 'unknown'
}

async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port })
    s.once('connect', () => { s.destroy(); resolve(true) })
    s.once('error', () => resolve(false))
  })
}

export interface Mosquitto {
  url: string
  port: number
  /** MQTT over WebSocket (section 6 of the standards), on a second listener. */
  wsUrl: string
  close(): Promise<void>
}

/**
 * Starts mosquitto on a free 127.0.0.1 port with its own configuration
 * (anonymous, no persistence, MQTT 3.1.1 and 5 as mosquitto's default
 * listener does), and a WebSocket listener on a second one, and waits until
 * both accept connections (5 s at most).
 */
export async function startMosquitto(): Promise<Mosquitto> {
  const bin = mosquittoBinary()
  if (!bin) throw new Error('mosquitto is not installed: run scripts/install-system-deps.sh')
  const dir = mkdtempSync(join(tmpdir(), 'hx-mosquitto-'))
  let lastError: Error | undefined
  // A port picked free may be taken before mosquitto binds it: try a few.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort()
    const wsPort = await freePort()
    const conf = join(dir, 'mosquitto.conf')
    writeFileSync(conf, [
      `listener ${port} 127.0.0.1`,
      `listener ${wsPort} 127.0.0.1`,
      'protocol websockets',
      'allow_anonymous true',
      'persistence false',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      '',
    ].join('\n'))
    const child: ChildProcess = spawn(bin, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000) })
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    let up = false
    const deadline = Date.now() + 5000
    while (Date.now() < deadline && child.exitCode === null) {
      if (await canConnect(port) && await canConnect(wsPort)) { up = true; break }
      await new Promise((r) => setTimeout(r, 50))
    }
    if (up) {
      return {
        url: `mqtt://127.0.0.1:${port}`,
        port,
        wsUrl: `ws://127.0.0.1:${wsPort}/mqtt`,
        close: async () => {
          if (child.exitCode === null) {
            child.kill('SIGTERM')
            const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
            await exited
            clearTimeout(timer)
          }
          rmSync(dir, { recursive: true, force: true })
        },
      }
    }
    if (child.exitCode === null) { child.kill('SIGKILL'); await exited }
    lastError = new Error(`mosquitto did not listen on 127.0.0.1:${port} and ${wsPort}: ${stderr.trim() || 'no output'}`)
  }
  rmSync(dir, { recursive: true, force: true })
  throw lastError!
}

// Target files read the URL from the environment; resolve one at a time so two runs cannot mix them up.
let resolving: Promise<unknown> = Promise.resolve()

/** The corpus against a fresh mosquitto, with the expectations of `profile` (only `ids`, when given). */
export async function runMosquitto(profile: MosquittoProfile, opts: { concurrency: number; ids?: ReadonlySet<string> }): Promise<{ scenarios: Scenario[]; results: Map<string, ScenarioResult>; durationMs: number }> {
  const started = performance.now()
  const broker = await startMosquitto()
  try {
    const turn = resolving.then(async () => {
      process.env[MOSQUITTO_URL_ENV] = broker.url
      process.env[MOSQUITTO_WS_URL_ENV] = broker.wsUrl
      return resolveExternalTarget(targetFile(profile))
    })
    resolving = turn.catch(() => {})
    const target = await turn
    try {
      let scenarios = await readCorpus(target.limits)
      if (opts.ids) scenarios = scenarios.filter((s) => opts.ids!.has(s.id))
      const report = await runCorpus(scenarios, target, opts.concurrency)
      return { scenarios, results: new Map(report.scenarios.map((r) => [r.id, r])), durationMs: performance.now() - started }
    } finally {
      await target.teardown()
    }
  } finally {
    await broker.close()
  }
}

// ---------------------------------------------------------------------------
// Baselines

const baselineEntrySchema = z.strictObject({
  /** The verdict; `flaky` (set by hand, with a why) accepts passed or failed: mosquitto's timing decides. */
  status: z.union([outcomeSchema, z.literal('flaky')]),
  /** Reviewed, one line: why mosquitto gets this verdict (required for anything but passed). */
  why: z.string().min(1).optional(),
})
export type BaselineEntry = z.infer<typeof baselineEntrySchema>

/** Whether a fresh verdict agrees with a baseline entry. */
export function agrees(entry: BaselineEntry, status: Outcome): boolean {
  return entry.status === 'flaky' ? status === 'passed' || status === 'failed' : entry.status === status
}

/**
 * A requirement's verdict against mosquitto (from the steps that check it,
 * over every scenario naming it). `review` is the reasoning for a changed
 * entry, kept in the file as a `#` comment line above it.
 */
const requirementEntrySchema = z.strictObject({
  status: z.union([requirementVerdictSchema, z.literal('flaky')]),
  why: z.string().min(1).optional(),
  review: z.string().min(1).optional(),
})
export type RequirementEntry = z.infer<typeof requirementEntrySchema>

const baselineSchema = z.strictObject({
  broker: z.string(),
  profile: z.enum(MOSQUITTO_PROFILES),
  summary: z.partialRecord(outcomeSchema, z.number().int().min(0)),
  scenarios: z.record(z.string(), baselineEntrySchema),
  /** Requirement-level verdicts: what a release gate reads. */
  requirements: z.record(z.string(), requirementEntrySchema).default({}),
})
export type Baseline = z.infer<typeof baselineSchema>

/** Whether a fresh requirement verdict agrees with a baseline entry (`flaky`: passed or failed). */
export function agreesVerdict(entry: RequirementEntry, status: RequirementVerdict): boolean {
  return entry.status === 'flaky' ? status === 'passed' || status === 'failed' : entry.status === status
}

/** Requirement-level verdicts of fresh results: only the assertions that check each requirement count. */
export function requirementVerdictsOf(results: Map<string, ScenarioResult>): Map<string, RequirementVerdict> {
  const out = new Map<string, RequirementVerdict>()
  for (const r of resolveRequirements([...results.values()])) {
    if (r.status !== 'untested' && r.status !== 'not-selected') out.set(r.id, r.status)
  }
  return out
}

/** `# review` comments above requirement entries, by id (YAML drops comments, so they are read here). */
function reviewComments(text: string): Map<string, string> {
  const out = new Map<string, string>()
  let pending: string[] = []
  let inRequirements = false
  for (const line of text.split('\n')) {
    if (/^requirements:/.test(line)) { inRequirements = true; continue }
    if (!inRequirements) continue
    const comment = /^ {2}# ?(.*)$/.exec(line)
    if (comment) { pending.push(comment[1]!); continue }
    const entry = /^ {2}"([^"]+)":/.exec(line)
    if (entry && pending.length) out.set(entry[1]!, pending.join(' '))
    pending = []
  }
  return out
}

/** Marks an entry whose `why` nobody reviewed yet; the baseline test refuses it. */
export const UNREVIEWED = 'UNREVIEWED:'

export function readBaseline(profile: MosquittoProfile): Baseline | undefined {
  const file = baselineFile(profile)
  if (!existsSync(file)) return undefined
  const text = readFileSync(file, 'utf8')
  const parsed = baselineSchema.safeParse(parse(text))
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`)
  for (const [id, review] of reviewComments(text)) if (parsed.data.requirements[id]) parsed.data.requirements[id]!.review = review
  return parsed.data
}

/**
 * A baseline from fresh results: the `why` of an entry whose status did not
 * change is kept; a new or changed one that did not pass gets its failure
 * (or skip reason) marked UNREVIEWED, to be replaced by a reviewed line.
 */
export function baselineFrom(profile: MosquittoProfile, results: Map<string, ScenarioResult>, previous: Baseline | undefined): Baseline {
  const scenarios: Record<string, BaselineEntry> = {}
  const summary: Partial<Record<Outcome, number>> = {}
  for (const [id, r] of results) {
    summary[r.status] = (summary[r.status] ?? 0) + 1
    const old = previous?.scenarios[id]
    if (old?.status === 'flaky' && old.why && agrees(old, r.status)) scenarios[id] = { status: 'flaky', why: old.why }
    else if (r.status === 'passed') scenarios[id] = { status: r.status }
    else if (r.status === 'skipped') scenarios[id] = { status: r.status, why: oneLine(r.reason ?? 'skipped') }
    else if (old && old.status === r.status && old.why) scenarios[id] = { status: r.status, why: old.why }
    else scenarios[id] = { status: r.status, why: `${UNREVIEWED} ${oneLine(r.failures[0]?.message ?? r.reason ?? r.status, 220)}` }
  }
  const requirements: Record<string, RequirementEntry> = {}
  for (const [id, status] of requirementVerdictsOf(results)) {
    const old = previous?.requirements[id]
    const keep = old && agreesVerdict(old, status)
    const entry: RequirementEntry = { status: keep && old.status === 'flaky' ? 'flaky' : status }
    if (keep && old.why) entry.why = old.why
    else if (status !== 'passed') entry.why = `${UNREVIEWED} ${requirementWhy(id, status, results)}`
    if (keep && old.review) entry.review = old.review
    requirements[id] = entry
  }
  return { broker: `mosquitto ${mosquittoVersion()} (Debian)`, profile, summary, scenarios, requirements }
}

/** A first why for a requirement verdict: the scenarios that gave it, with the failure or skip reason. */
function requirementWhy(id: string, status: RequirementVerdict, results: Map<string, ScenarioResult>): string {
  const giving = [...results.values()].filter((r) => r.requirements.includes(id) && (r.verdicts?.[id] ?? r.status) === status)
  const first = giving[0]
  const detail = first ? oneLine(first.failures[0]?.message ?? first.reason ?? status, 160) : status
  return `${giving.map((r) => r.id).join(', ')}: ${detail}`
}

/** The baseline as YAML, one scenario per line, with a header saying how to update it. */
export function renderBaseline(b: Baseline): string {
  const q = (s: string) => JSON.stringify(s)
  const lines = [
    `# Reviewed verdicts of the default corpus against ${b.broker}, expecting the ${b.profile} profile`,
    `# (test/targets/mosquitto-${b.profile}.yaml). test/corpus/mosquitto-baseline.test.ts fails on any changed verdict.`,
    '# Update on purpose: `npm run baseline:mosquitto` rewrites this file and keeps the `why` of unchanged entries;',
    `# replace every "${UNREVIEWED} ..." why with one reviewed line saying what mosquitto does differently.`,
    '# `status: flaky` (by hand, with a why) accepts passed or failed for a verdict that depends on mosquitto\'s timing.',
    `broker: ${q(b.broker)}`,
    `profile: ${b.profile}`,
    `summary: { ${Object.entries(b.summary).map(([k, v]) => `${k}: ${v}`).join(', ')} }`,
    'scenarios:',
  ]
  for (const id of Object.keys(b.scenarios).sort()) {
    const e = b.scenarios[id]!
    lines.push(`  ${q(id)}: { status: ${e.status}${e.why ? `, why: ${q(e.why)}` : ''} }`)
  }
  lines.push(
    '# Requirement-level verdicts (test/corpus/mosquitto-baseline.test.ts compares them too): each comes only',
    '# from the steps that check the requirement; inconclusive = no scenario reached them. Every entry must be',
    '# true for mosquitto; a `# ...` line above an entry is the reasoning for a reviewed change.',
    'requirements:',
  )
  for (const id of Object.keys(b.requirements).sort()) {
    const e = b.requirements[id]!
    if (e.review) lines.push(`  # ${e.review}`)
    lines.push(`  ${q(id)}: { status: ${e.status}${e.why ? `, why: ${q(e.why)}` : ''} }`)
  }
  return lines.join('\n') + '\n'
}

/** Changed, new and removed verdicts between a baseline and fresh results. */
export function diffBaseline(b: Baseline, results: Map<string, ScenarioResult>): string[] {
  const out: string[] = []
  for (const [id, r] of results) {
    const old = b.scenarios[id]
    if (!old) out.push(`+ ${id}: new scenario, ${r.status}${r.status === 'passed' ? '' : ` (${oneLine(r.failures[0]?.message ?? r.reason ?? '', 160)})`}`)
    else if (!agrees(old, r.status)) out.push(`~ ${id}: ${old.status} -> ${r.status}${r.status === 'passed' ? '' : ` (${oneLine(r.failures[0]?.message ?? r.reason ?? '', 160)})`}`)
  }
  for (const id of Object.keys(b.scenarios)) if (!results.has(id)) out.push(`- ${id}: no longer in the corpus (was ${b.scenarios[id]!.status})`)
  return out
}

/** Changed, new and removed requirement-level verdicts between a baseline and fresh results. */
export function diffRequirements(b: Baseline, results: Map<string, ScenarioResult>): string[] {
  const out: string[] = []
  const fresh = requirementVerdictsOf(results)
  for (const [id, status] of fresh) {
    const old = b.requirements[id]
    if (!old) out.push(`+ ${id}: ${status} (${requirementWhy(id, status, results)})`)
    else if (!agreesVerdict(old, status)) out.push(`~ ${id}: ${old.status} -> ${status} (${requirementWhy(id, status, results)})`)
  }
  for (const id of Object.keys(b.requirements)) if (!fresh.has(id)) out.push(`- ${id}: no longer checked (was ${b.requirements[id]!.status})`)
  return out
}
