import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import type { Job } from 'kubernetes-models/batch/v1'
import { startReferenceBroker, type ReferenceBroker } from '../../reference-broker/index.js'
import { addEncodedHistograms, decodeHistogram } from '../../reports/index.js'
import { loadReportSchema, type LoadReport } from '../../spec/index.js'

// No Kubernetes here: the Indexed Job of deploy/kubernetes/load-job.yaml is
// simulated by starting its pod command once per completion index, as local
// processes, each with the environment Kubernetes would give that pod: the
// manifest's env (fieldRefs resolved as the API server would), JOB_COMPLETION_INDEX
// and HOSTNAME, and the volume mounts mapped to local folders (the ConfigMap's
// files, one folder shared by all "pods" as the ReadWriteMany volume). Two
// values differ from the manifest, both said here: START_DELAY 20 s instead of
// 60 (enough for four Node processes to start and connect on a busy 2-core machine), and PROMETHEUS on port 0 (four pods on one host cannot
// all bind 9464; each has its own IP in a cluster).
const REPO = new URL('../../', import.meta.url).pathname.replace(/\/$/, '')
const JOB_NAME = 'hx-load-sim'
const SCENARIO = `id: dm-indexed-job
title: 4 pods, 400 direct messages/s together
devices: { count: 400, connectRate: 2000/s }
stages: [{ stage: steady, duration: 4s, rate: 400/s }]
directMessage: { confirmation: true, timeout: 2 }
http: { connections: 400, maxLag: 3s }   # 100 per pod: room for a slow broker on a busy machine (Little: 100/s × 1 s)
drain: 1s
thresholds: ["delivered == accepted", "notSent == 0", "p(99) < 10s"]   # the test broker shares a busy machine: latency is not what this test checks
`

let broker: ReferenceBroker
beforeAll(async () => { broker = await startReferenceBroker({ wsPort: false }) })
afterAll(async () => { await broker.close() })

interface Pod { index: number; code: number | null; stderr: string }

/** The environment Kubernetes gives pod `index` of the Job, with container paths mapped to local folders. */
function podEnv(job: Job, index: number, mapPath: (p: string) => string, overrides: Record<string, string>): NodeJS.ProcessEnv {
  const c = job.spec!.template.spec!.containers[0]!
  const fields: Record<string, string> = {
    "metadata.labels['batch.kubernetes.io/job-name']": JOB_NAME,
    "metadata.annotations['batch.kubernetes.io/job-completion-index']": String(index),
    'metadata.name': `${JOB_NAME}-${index}-x7k2q`,
  }
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: tmpdir(), HOSTNAME: `${JOB_NAME}-${index}-x7k2q`, JOB_COMPLETION_INDEX: String(index) }
  for (const e of c.env ?? []) {
    if (e.value !== undefined) env[e.name] = mapPath(e.value)
    else if (e.valueFrom?.fieldRef) {
      const v = fields[e.valueFrom.fieldRef.fieldPath]
      if (v === undefined) throw new Error(`the simulation does not know fieldRef ${e.valueFrom.fieldRef.fieldPath}`)
      env[e.name] = v
    } else throw new Error(`the simulation does not know env ${e.name}'s source`)
  }
  return { ...env, ...overrides }
}

function runPod(command: string[], env: NodeJS.ProcessEnv, index: number, deadlineMs: number): Promise<Pod> {
  return new Promise((resolve) => {
    const child = spawn(command[0]!, command.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => { stderr += d.toString() })
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    const timer = setTimeout(() => child.kill('SIGKILL'), deadlineMs)
    child.on('close', (code) => { clearTimeout(timer); resolve({ index, code, stderr }) })
  })
}

/**
 * Runs the Job's pods locally: the ConfigMap's files hold `scenario` and a
 * target file for the test's broker; returns each pod's exit code and output
 * and the shared volume's run folder.
 */
async function simulateJob(scenario: string, overrides: Record<string, string>) {
  const job = parse(readFileSync(join(REPO, 'deploy/kubernetes/load-job.yaml'), 'utf8')) as Job
  const spec = job.spec!
  const c = spec.template.spec!.containers[0]!
  const root = mkdtempSync(join(tmpdir(), 'hx-indexed-job-'))
  const local: Record<string, string> = { '/app': REPO }
  for (const m of c.volumeMounts ?? []) { local[m.mountPath] = join(root, m.name); mkdirSync(local[m.mountPath]!, { recursive: true }) }
  const mapPath = (p: string) => {
    for (const [from, to] of Object.entries(local)) if (p === from || p.startsWith(from + '/')) return to + p.slice(from.length)
    return p
  }
  const config = local[c.volumeMounts!.find((m) => m.name === 'config')!.mountPath]!
  writeFileSync(join(config, 'load.yaml'), scenario)
  writeFileSync(join(config, 'target.yaml'), `name: reference-broker\nmqtt: { url: "${broker.urls.mqtt}" }\nhttp: { url: "${broker.urls.http}" }\n`)
  const n = spec.completions!
  const pods = await Promise.all(Array.from({ length: n }, (_, i) => runPod(c.command!.map(mapPath), podEnv(job, i, mapPath, overrides), i, 90_000)))
  const reports = join(mapPath(podEnv(job, 0, mapPath, overrides).REPORTS!), JOB_NAME)
  const read = (...path: string[]) => loadReportSchema.parse(JSON.parse(readFileSync(join(reports, ...path, 'load-report.json'), 'utf8'))) as LoadReport
  return { job, n, pods, reports, read }
}

describe('the load Job, simulated as 4 local pods', () => {
  it('reaches the planned aggregate rate, merges exactly and exits with the merged verdict', async () => {
    const { job, n, pods, reports, read } = await simulateJob(SCENARIO, { START_DELAY: '20', PROMETHEUS: '127.0.0.1:0' })
    expect(job.spec!.completionMode).toBe('Indexed')
    expect(job.spec!.parallelism).toBe(n)
    expect(n).toBe(4)
    const merged = read('merged')
    const shards = Array.from({ length: n }, (_, i) => read(`shard-${i}`))

    // Exit codes: pod 0 carries the merged verdict (0 passed); the others 0 once their report is written.
    expect(pods.map((p) => p.code), pods.map((p) => p.stderr).join('\n')).toEqual([0, 0, 0, 0])
    expect(merged.verdict).toBe('passed')

    // Every shard ran its own slice, and they began together at the start time pod 0 published.
    expect(merged.run.slices.map((s) => `${s.index}/${s.count}`).sort()).toEqual(['0/4', '1/4', '2/4', '3/4'])
    const startAt = Number(readFileSync(join(reports, 'start-at'), 'utf8'))
    for (const s of shards) {
      expect(Date.parse(s.run.startAt!)).toBe(startAt)
      expect(Math.abs(Date.parse(s.run.slices[0]!.scheduleStartedAt!) - startAt)).toBeLessThan(250)
      expect(s.dm!.planned).toBe(400)
      expect(s.fleet.devices).toBe(100)
    }

    // The planned aggregate rate: 400/s for 4 s, all sent, answered and delivered.
    const dm = merged.dm!
    expect(dm.planned).toBe(1600)
    expect(dm.sent).toBe(1600)
    expect(dm.buckets['200']).toBe(1600)
    expect(dm.receipts.delivered).toBe(1600)
    // Per second (the shards' seconds line up, since they began together): 400 due each second, and
    // what was sent keeps up with it. notSent == 0 already says every request left within maxLag (1 s)
    // of its due time; the cumulative count allows the first second its connection set-up on a busy
    // 2-core machine (each pod opens its HTTP connections then), and nothing more.
    for (const p of merged.series.slice(0, 4)) expect(p.planned).toBeGreaterThanOrEqual(398)
    let cumulative = 0
    merged.series.slice(0, 4).forEach((p, k) => {
      cumulative += p.sent
      if (k >= 1) expect(cumulative).toBeGreaterThanOrEqual(400 * (k + 1) - 100)
    })
    expect(merged.series.reduce((s, p) => s + p.sent, 0)).toBe(1600)
    expect(dm.buckets.notSent).toBe(0)

    // Books balanced, HDR sums exact.
    expect(merged.books).toEqual({ balanced: true, problems: [] })
    expect(merged.dm!.latency.response).toEqual(addEncodedHistograms(shards.map((s) => s.dm!.latency.response)))
    const m = decodeHistogram(merged.dm!.latency.response)
    expect(m.totalCount).toBe(shards.reduce((k, s) => k + s.dm!.latency.response.count, 0))
    expect(merged.fleet.devices).toBe(400)
  }, 120_000)

  it('a failing merged verdict fails pod 0 with the threshold code (4), the others still exit 0', async () => {
    const scenario = SCENARIO.replace('duration: 4s, rate: 400/s', 'duration: 1s, rate: 80/s').replace('"p(99) < 10s"', '"p(99) < 1us"')
    const { pods, read } = await simulateJob(scenario, { START_DELAY: '4', PROMETHEUS: '127.0.0.1:0' })
    expect(pods.map((p) => p.code), pods.map((p) => p.stderr).join('\n')).toEqual([4, 0, 0, 0])
    const merged = read('merged')
    expect(merged.verdict).toBe('thresholds-failed')
    expect(merged.dm!.planned).toBe(80)
  }, 120_000)
})
