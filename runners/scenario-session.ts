import { performance } from 'node:perf_hooks'
import { substituteVariables, type ClientDecl, type Scenario, type Timeline, type VarValue } from '../spec/index.js'
import { createMqttjsClientAdapter } from './adapters/mqttjs-client.js'
import { createRawClientAdapter } from './adapters/raw-client-adapter.js'
import { createHttpClient, type HttpClient, type HttpResult } from './adapters/http-client.js'
import type { MqttAdapter, MqttEndpoint } from './adapters/mqtt-adapter.js'
import { StepError } from './errors.js'
import { DEFAULT_STEP_TIMEOUT_MS, type StepContext } from './step-context.js'
import { TraceRecorder } from './trace-recorder.js'
import type { ResolvedTarget } from './targets/resolved-target.js'

/** How far past the scenario deadline a clamped wait may run; the deadline's abort ends it first. */
const DEADLINE_MARGIN_MS = 50

export interface ScenarioSessionOptions {
  /** Short id of the run; part of every client id and topic prefix. */
  runId: string
  /** Position of the scenario in the run; keeps ids unique between matrix cells. */
  index: number
}

/**
 * The live state of one running scenario: its clock, deadline, clients, HTTP
 * client and trace. Implements the StepContext steps see; `close()` tears
 * everything down (clients in reverse order of creation) and never throws.
 */
export class ScenarioSession implements StepContext {
  readonly trace: TraceRecorder
  readonly pendingHttp = new Map<string, Promise<HttpResult>>()
  readonly timelines: Timeline[] = []
  readonly controller = new AbortController()
  stepIndex = 0
  private readonly started = performance.now()
  private readonly deadline: number
  private readonly adapters = new Map<string, MqttAdapter>()
  private readonly ids = new Map<string, string>()
  private readonly vars = new Map<string, VarValue>()
  private readonly prefix: string
  private httpClient: HttpClient | null = null
  private readonly runId: string

  constructor(readonly scenario: Scenario, readonly target: ResolvedTarget, opts: ScenarioSessionOptions) {
    this.trace = new TraceRecorder(() => this.now())
    this.deadline = scenario.timeoutMs
    this.runId = opts.runId
    const tag = `hx-${opts.runId}-${opts.index.toString(36)}`
    this.prefix = `${target.topicPrefix}${tag}`
    for (const name of Object.keys(scenario.clients)) this.ids.set(name, `${target.clientIdPrefix}${tag}-${name}`)
    // Declared ids may refer to the generated ones (`${clients.a.id}` for a takeover).
    for (const [name, decl] of Object.entries(scenario.clients)) {
      if (decl.clientId !== undefined) this.ids.set(name, this.interpolate(decl.clientId))
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal
  }

  now(): number {
    return performance.now() - this.started
  }

  /** Milliseconds until the scenario deadline. */
  remaining(): number {
    return Math.max(0, this.deadline - this.now())
  }

  budget(withinMs: number | undefined, defaultMs = DEFAULT_STEP_TIMEOUT_MS): number {
    const wanted = withinMs ?? defaultMs
    const left = this.remaining()
    // A wait the scenario deadline cuts short must end with the deadline's error (which names
    // the step), so it is allowed to run a little past it: the deadline's abort wakes it first.
    return wanted <= left ? wanted : Math.ceil(left) + DEADLINE_MARGIN_MS
  }

  clientDecl(name: string): ClientDecl {
    const decl = this.scenario.clients[name]
    if (!decl) throw new StepError(`client "${name}" is not declared`)
    return decl
  }

  clientId(name: string): string {
    return this.ids.get(name)!
  }

  client(name: string): MqttAdapter {
    let adapter = this.adapters.get(name)
    if (adapter) return adapter
    const decl = this.clientDecl(name)
    const ack = decl.ack === 'auto' || decl.ack === 'never' ? decl.ack : { delay: decl.ack.delay }
    const opts = { name, clock: () => this.now(), trace: this.trace, ack }
    adapter = decl.kind === 'raw' ? createRawClientAdapter(opts) : createMqttjsClientAdapter(opts)
    this.adapters.set(name, adapter)
    return adapter
  }

  endpointFor(decl: ClientDecl): MqttEndpoint {
    const e = this.target.endpoints
    const endpoint = decl.transport === 'tls' ? e.tls : decl.transport === 'ws' ? e.ws : e.tcp ?? e.tls ?? e.ws
    if (!endpoint) throw new StepError(`the target has no ${decl.transport} MQTT endpoint`)
    return endpoint
  }

  interpolate<T>(value: T, extra: Record<string, VarValue> = {}): T {
    const problems: string[] = []
    const out = substituteVariables(value, (e) => {
      if (e.name in extra) return { value: extra[e.name]! }
      if (e.namespace === 'prefix') return { value: this.prefix }
      if (e.namespace === 'run') return { value: this.runId }
      if (e.namespace === 'clients') {
        const id = this.ids.get(e.rest.replace(/\.id$/, ''))
        return id === undefined ? { error: `unknown client in \${${e.name}}` } : { value: id }
      }
      if (e.namespace === 'vars') {
        const v = this.vars.get(e.rest)
        return v === undefined ? { error: `\${${e.name}} has no value: no earlier expect captured "${e.rest}"` } : { value: v }
      }
      return { error: `\${${e.name}} has no value here` }
    }, (_p, m) => problems.push(m))
    if (problems.length) throw new StepError(problems.join('; '))
    return out as T
  }

  setVar(name: string, value: VarValue): void {
    this.vars.set(name, value)
  }

  http(): HttpClient {
    if (this.httpClient) return this.httpClient
    if (!this.target.http) throw new StepError('the target has no HTTP endpoint (declare http: in the target file, or add requires: [http-data-plane])')
    this.httpClient = createHttpClient(this.target.http, { clock: () => this.now(), trace: this.trace })
    return this.httpClient
  }

  addTimeline(timeline: Timeline): void {
    this.timelines.push(timeline)
  }

  /**
   * After a failure: waits (at most `timeoutMs`) until no client has had bytes
   * that are no MQTT while its connection is still open, so the server's close
   * that follows them is in the trace the failure carries.
   */
  async settle(timeoutMs = 250): Promise<void> {
    const pending = [...this.adapters.values()].filter((a) => a.inbox.protocolError !== null && a.inbox.closed === null)
    await Promise.all(pending.map((a) => a.inbox.waitFor(() => (a.inbox.closed !== null ? true : undefined), timeoutMs)))
  }

  /** Closes every client (reverse order of creation) and the HTTP client. */
  async close(): Promise<void> {
    if (!this.controller.signal.aborted) this.controller.abort(new Error('scenario finished'))
    for (const adapter of [...this.adapters.values()].reverse()) await adapter.destroy().catch(() => {})
    await this.httpClient?.close()
  }
}
