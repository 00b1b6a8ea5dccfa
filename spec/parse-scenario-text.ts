import { clientSchema, type ClientDecl } from './client-schema.js'
import { closestName } from './closest-name.js'
import type { Capability } from './capabilities.js'
import { cellId, matrixCells } from './matrix.js'
import { matrixSchema, scenarioHeaderSchema, type Scenario, type ScenarioStep } from './scenario-schema.js'
import { z } from 'zod'
import { STEP_ATTRIBUTION_KEYS, stepAttributionShape, type StepCheckContext, type StepDefinitionRegistry } from './step-definition.js'
import { parseYamlSource, type SourceIssue, type YamlSource } from './yaml-source.js'
import { RUNTIME_VARIABLES, substituteVariables, type VarExpr, type Resolution, type VarValue } from './variables.js'
import { zodProblems } from './zod-problems.js'

export interface ScenarioFileOptions {
  /** The target profile's limits, flat: `topicAliasMaximum`, `sessions.expirySeconds`... */
  limits: Readonly<Record<string, VarValue>>
  registry: StepDefinitionRegistry
  /** Catalogue ids; when given, `spec:` ids outside it are errors. */
  knownRequirements?: ReadonlySet<string>
  /** For `${env.NAME}` (default: process.env). An unset variable is an error at its file:line:col. */
  env?: Readonly<Record<string, string | undefined>>
}

/**
 * Validates one scenario file's text and expands its matrix. Returns every
 * problem found (each with file:line:col and document path); scenarios are
 * returned only when there is none.
 */
export function parseScenarioText(text: string, file: string, opts: ScenarioFileOptions): { scenarios: Scenario[]; issues: SourceIssue[] } {
  const { source, issues: yamlIssues } = parseYamlSource(text, file)
  if (!source) return { scenarios: [], issues: yamlIssues }
  const data = source.data
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return { scenarios: [], issues: [source.issue([], 'a scenario file is a YAML mapping with id, title, spec, clients and steps')] }
  }
  const doc = data as Record<string, unknown>
  const issues = new Map<string, SourceIssue>()
  const add = (i: SourceIssue) => issues.set(`${i.line}:${i.col}:${i.path}:${i.message}`, i)

  let matrix: Record<string, VarValue[]> | undefined
  if (doc.matrix !== undefined) {
    const m = matrixSchema.safeParse(doc.matrix)
    if (m.success) matrix = m.data
    else for (const p of zodProblems(m.error.issues, ['matrix'])) add(source.issue(p.path, p.message, { key: p.key }))
  }
  const clientNames = doc.clients && typeof doc.clients === 'object' ? Object.keys(doc.clients) : []
  const scenarios: Scenario[] = []
  for (const cell of matrixCells(matrix)) {
    const s = parseCell(source, doc, cell, clientNames, opts, add)
    if (s) scenarios.push(s)
  }
  const sorted = [...issues.values()].sort((a, b) => a.line - b.line || a.col - b.col)
  return sorted.length ? { scenarios: [], issues: sorted } : { scenarios, issues: [] }
}

function resolverFor(cell: Record<string, VarValue> | undefined, limits: Readonly<Record<string, VarValue>>, clientNames: string[], env: Readonly<Record<string, string | undefined>>) {
  return (e: VarExpr): Resolution => {
    switch (e.namespace) {
      case 'env': {
        // The same rule and message as target files: a secret or setting from the environment, never silently empty.
        if (!/^[A-Za-z_]\w*$/.test(e.rest)) return { error: 'environment variables are ${env.NAME}' }
        const v = env[e.rest]
        return v === undefined ? { error: `environment variable ${e.rest} is not set` } : { value: v }
      }
      case 'matrix':
        if (!cell) return { error: `\${${e.name}} used but the scenario has no matrix:` }
        return e.rest in cell ? { value: cell[e.rest]! } : { error: `unknown matrix key "${e.rest}" (matrix has: ${Object.keys(cell).join(', ')})` }
      case 'limits': {
        if (e.rest in limits) return { value: limits[e.rest]! }
        const near = closestName(e.rest, Object.keys(limits))
        return { error: `unknown limit "${e.rest}"${near ? ` (did you mean ${near}?)` : ''}` }
      }
      case 'prefix': case 'i':
        return e.rest === '' ? undefined : { error: `\${${e.namespace}} takes no field` }
      case 'run':
        return e.rest === 'id' ? undefined : { error: 'the only run variable is ${run.id}' }
      case 'vars':
        return /^\w+$/.test(e.rest) ? undefined : { error: 'captured values are ${vars.NAME} (NAME from an earlier expect\'s capture:)' }
      case 'clients': {
        const m = /^([^.]+)\.id$/.exec(e.rest)
        if (!m) return { error: 'client variables are ${clients.NAME.id}' }
        return clientNames.includes(m[1]!) ? undefined : { error: `\${${e.name}}: client "${m[1]}" is not declared under clients:` }
      }
      default:
        return { error: `unknown variable \${${e.name}}: known are matrix.*, limits.*, env.*, ${RUNTIME_VARIABLES.filter((n) => n !== 'clients' && n !== 'vars').join(', ')}, clients.NAME.id, vars.NAME` }
    }
  }
}

function parseCell(
  source: YamlSource,
  doc: Record<string, unknown>,
  cell: Record<string, VarValue> | undefined,
  clientNames: string[],
  opts: ScenarioFileOptions,
  add: (i: SourceIssue) => void,
): Scenario | null {
  const before = { count: 0 }
  const report = (path: (string | number)[], message: string, key?: boolean) => { before.count++; add(source.issue(path, message, { key })) }
  const { matrix: _matrix, ...rest } = doc
  const subst = substituteVariables(rest, resolverFor(cell, opts.limits, clientNames, opts.env ?? process.env), (p, m) => report(p, m)) as Record<string, unknown>

  const header = scenarioHeaderSchema.safeParse({ ...subst, matrix: doc.matrix === undefined ? undefined : {} })
  if (!header.success) for (const p of zodProblems(header.error.issues)) report(p.path, p.message, p.key)

  if (header.success && opts.knownRequirements) {
    header.data.spec.forEach((id, i) => {
      if (opts.knownRequirements!.has(id)) return
      const near = closestName(id, [...opts.knownRequirements!])
      report(['spec', i], `"${id}" is not a catalogue id${near ? ` (did you mean ${near}?)` : ''}`)
    })
  }
  const clients = header.success ? header.data.clients : partialClients(subst.clients)
  const ctx: StepCheckContext = { clients, httpNames: new Set() }
  const rawSteps = Array.isArray(subst.steps) ? subst.steps : []
  const steps: ScenarioStep[] = []
  rawSteps.forEach((raw, index) => {
    const step = parseStep(raw, index, header.success ? header.data.spec : undefined, ctx, opts.registry, report)
    if (step) steps.push({ ...step, location: source.locate(['steps', index]) })
  })
  if (before.count > 0 || !header.success) return null
  const h = header.data
  // A scenario with no assertion step at all and no checks:/setup: is one check as a whole:
  // every step checks every requirement (its outcome is the verdict).
  const explicit = rawSteps.some((r) => r !== null && typeof r === 'object' && STEP_ATTRIBUTION_KEYS.some((k) => k in r))
  if (!explicit && steps.every((st) => st.checks.length === 0)) for (const st of steps) st.checks = [...h.spec]
  // Otherwise every requirement the scenario names must be checked by some step, or its verdict would be hollow.
  const checked = new Set(steps.flatMap((st) => st.checks))
  h.spec.forEach((id, i) => {
    if (!checked.has(id)) report(['spec', i], `no step checks ${id}: give an assertion step (expect, expect-closed, a connect or subscribe with expect: ...) or a step with checks: [${id}]`)
  })
  if (before.count > 0) return null
  return {
    id: cellId(h.id, cell),
    baseId: h.id,
    title: h.title,
    ...(h.description !== undefined ? { description: h.description } : {}),
    file: source.file,
    location: source.locate(['id']),
    spec: h.spec,
    tags: h.tags,
    requires: impliedRequirements(h.requires, h.clients),
    ...(cell ? { matrix: cell } : {}),
    timeoutMs: h.timeout,
    ...(h.waive ? { waive: h.waive } : {}),
    clients: h.clients,
    steps,
  }
}

function parseStep(
  raw: unknown,
  index: number,
  spec: readonly string[] | undefined,
  ctx: StepCheckContext,
  registry: StepDefinitionRegistry,
  report: (path: (string | number)[], message: string, key?: boolean) => void,
): Omit<ScenarioStep, 'location'> | null {
  const at = ['steps', index]
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    report(at, `a step is a mapping with one key, the step kind (${registry.kinds().join(', ')})`)
    return null
  }
  const keys = Object.keys(raw).filter((k) => !(STEP_ATTRIBUTION_KEYS as readonly string[]).includes(k))
  if (keys.length !== 1) {
    report(at, keys.length === 0
      ? 'empty step: give one step kind'
      : `a step has exactly one key (the step kind), found ${keys.length}: ${keys.join(', ')}; split it into ${keys.length} steps (only checks: and setup: may sit beside the kind)`)
    return null
  }
  const kind = keys[0]!
  const def = registry.get(kind)
  if (!def) {
    const near = closestName(kind, registry.kinds())
    report([...at, kind], `unknown step "${kind}"${near ? ` (did you mean ${near}?)` : ''}; known steps: ${registry.kinds().join(', ')}`, true)
    return null
  }
  const parsed = def.schema.safeParse((raw as Record<string, unknown>)[kind])
  if (!parsed.success) {
    for (const p of zodProblems(parsed.error.issues, [...at, kind])) report(p.path, p.message, p.key)
    return null
  }
  const problems = def.check?.(parsed.data, ctx) ?? []
  for (const p of problems) report([...at, kind, ...p.path], p.message)
  const checks = stepChecks(raw as Record<string, unknown>, def.asserts?.(parsed.data) ?? false, spec, (path, message) => { problems.push({ path, message }); report([...at, ...path], message) })
  return problems.length || !checks ? null : { index, kind, args: parsed.data, checks }
}

/**
 * The requirement ids a step checks [attribution]: `checks:` (each from the
 * scenario's `spec:`), nothing with `setup: true`, else the whole `spec:` when
 * the step asserts and nothing when it only acts.
 */
function stepChecks(raw: Record<string, unknown>, asserts: boolean, spec: readonly string[] | undefined, problem: (path: (string | number)[], message: string) => void): string[] | null {
  const parsed = z.strictObject(stepAttributionShape).safeParse({ checks: raw.checks, setup: raw.setup })
  if (!parsed.success) {
    for (const p of zodProblems(parsed.error.issues)) problem(p.path, p.message)
    return null
  }
  const { checks, setup } = parsed.data
  if (checks && setup) {
    problem(['setup'], 'give checks: (what the step asserts) or setup: true (it asserts nothing), not both')
    return null
  }
  if (setup) return []
  if (!checks) return asserts && spec ? [...spec] : []
  let ok = true
  checks.forEach((id, i) => {
    if (spec && !spec.includes(id)) {
      ok = false
      problem(['checks', i], `"${id}" is not in the scenario's spec: (${spec.join(', ')}); list it there too`)
    }
  })
  return ok ? [...new Set(checks)] : null
}

/** Client declarations as far as they parse, so step checks still run when the header has errors. */
function partialClients(raw: unknown): Record<string, ClientDecl> {
  const out: Record<string, ClientDecl> = {}
  if (!raw || typeof raw !== 'object') return out
  for (const [name, decl] of Object.entries(raw)) {
    const p = clientSchema.safeParse(decl)
    out[name] = p.success ? p.data : clientSchema.parse({})
  }
  return out
}

function impliedRequirements(declared: Capability[], clients: Record<string, ClientDecl>): Capability[] {
  const out = new Set<Capability>(declared)
  for (const c of Object.values(clients)) {
    out.add(c.version === 5 ? 'mqtt-5' : 'mqtt-3.1.1')
    if (c.transport === 'tls') out.add('tls')
    if (c.transport === 'ws') out.add('websocket')
  }
  return [...out]
}
