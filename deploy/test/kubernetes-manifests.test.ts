import { describe, expect, it } from 'vitest'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseAllDocuments } from 'yaml'
import { Job } from 'kubernetes-models/batch/v1'
import { ConfigMap, PersistentVolumeClaim } from 'kubernetes-models/v1'
import { parseLoadScenarioText } from '../../spec/index.js'

// The manifests under deploy/kubernetes/, checked against the Kubernetes
// OpenAPI schemas that kubernetes-models ships (its validate() uses them).
const DIR = new URL('../kubernetes/', import.meta.url).pathname
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'batch/v1/Job': Job as never,
  'v1/ConfigMap': ConfigMap as never,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim as never,
}

function documents(): { file: string; doc: Record<string, unknown> }[] {
  return readdirSync(DIR).filter((f) => f.endsWith('.yaml')).flatMap((file) =>
    parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((d) => ({ file, doc: d.toJS() as Record<string, unknown> })))
}

function validate(doc: Record<string, unknown>): void {
  const Model = MODELS[`${doc.apiVersion}/${doc.kind}`]
  if (!Model) throw new Error(`no schema for ${doc.apiVersion} ${doc.kind}`)
  new Model(doc as never).validate()
}

describe('deploy/kubernetes manifests', () => {
  it('are valid Kubernetes objects by the Kubernetes JSON schemas', () => {
    const docs = documents()
    expect(docs.map((d) => `${d.file}: ${d.doc.kind}`).sort()).toEqual(['load-job.yaml: Job', 'reports-pvc.yaml: PersistentVolumeClaim', 'scenario-configmap.yaml: ConfigMap'])
    for (const { doc } of docs) expect(() => validate(doc)).not.toThrow()
  })

  it('the schemas catch a broken Job (so the check above can fail)', () => {
    const job = documents().find((d) => d.doc.kind === 'Job')!.doc as { spec: { completions: unknown; template: { spec: { containers: { env: unknown[] }[] } } } }
    const broken = structuredClone(job)
    broken.spec.completions = 'four'
    expect(() => validate(broken)).toThrow(/completions/)
    const badEnv = structuredClone(job)
    badEnv.spec.template.spec.containers[0]!.env.push({ name: 'X', value: 4 })
    expect(() => validate(badEnv)).toThrow()
  })

  it('the Job is Indexed with completions = parallelism = SHARDS, and mounts the ConfigMap and the shared volume the pod script reads', () => {
    const docs = documents()
    const job = docs.find((d) => d.doc.kind === 'Job')!.doc as unknown as Job
    const spec = job.spec!
    const pod = spec.template.spec!
    const c = pod.containers[0]!
    const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]))
    expect(spec.completionMode).toBe('Indexed')
    expect(spec.completions).toBe(spec.parallelism)
    expect(Number(env.SHARDS)).toBe(spec.completions)
    expect(c.command).toEqual(['/app/deploy/load-pod.sh'])
    const mounts = Object.fromEntries((c.volumeMounts ?? []).map((m) => [m.name, m.mountPath]))
    expect(env.SCENARIO!.startsWith(mounts.config! + '/')).toBe(true)
    expect(env.REPORTS).toBe(mounts.reports)
    const cm = docs.find((d) => d.doc.kind === 'ConfigMap')!.doc as unknown as ConfigMap
    const pvc = docs.find((d) => d.doc.kind === 'PersistentVolumeClaim')!.doc as unknown as PersistentVolumeClaim
    const vols = Object.fromEntries((pod.volumes ?? []).map((v) => [v.name, v]))
    expect(vols.config!.configMap!.name).toBe(cm.metadata!.name)
    expect(vols.reports!.persistentVolumeClaim!.claimName).toBe(pvc.metadata!.name)
    expect(pvc.spec!.accessModes).toEqual(['ReadWriteMany'])
    // The example scenario in the ConfigMap is a valid load scenario.
    const { issues } = parseLoadScenarioText(cm.data!['load.yaml']!, 'load.yaml')
    expect(issues).toEqual([])
    expect(Object.keys(cm.data!).sort()).toEqual([env.SCENARIO, env.TARGET].map((p) => p!.slice(mounts.config!.length + 1)).sort())
  })
})
