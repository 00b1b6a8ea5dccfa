import type { ClientDecl, Scenario, Timeline, VarValue } from '../spec/index.js'
import type { MqttAdapter, MqttEndpoint } from './adapters/mqtt-adapter.js'
import type { HttpClient, HttpResult } from './adapters/http-client.js'
import type { TraceRecorder } from './trace-recorder.js'
import type { ResolvedTarget } from './targets/resolved-target.js'

/** Default deadline of a step without `within`. */
export const DEFAULT_STEP_TIMEOUT_MS = 5000

/**
 * What a step implementation gets: the scenario, the target, its clients and
 * deadlines. One object, so adding a capability does not change every step's
 * signature.
 */
export interface StepContext {
  readonly scenario: Scenario
  readonly target: ResolvedTarget
  /** Aborts when the scenario's deadline passes; every wait must honour it. */
  readonly signal: AbortSignal
  readonly trace: TraceRecorder
  /** Index of the step being run (for names in timelines and messages). */
  readonly stepIndex: number
  /** Milliseconds since the scenario started. */
  now(): number
  /** Time a step may wait: its `within` (or the default), never past the scenario's deadline. */
  budget(withinMs: number | undefined, defaultMs?: number): number
  /** The adapter for a declared client (created on first use). */
  client(name: string): MqttAdapter
  clientDecl(name: string): ClientDecl
  /** The client id this run uses for a declared client. */
  clientId(name: string): string
  /** The endpoint a client's transport (tcp, tls, ws) connects to. */
  endpointFor(decl: ClientDecl): MqttEndpoint
  /** Replaces runtime variables (`${prefix}`, `${clients.X.id}`, `${run.id}`, `${vars.NAME}`, and `extra` such as `${i}`). */
  interpolate<T>(value: T, extra?: Record<string, VarValue>): T
  /** Sets `${vars.NAME}` for later steps (an `expect` step's `capture:`). */
  setVar(name: string, value: VarValue): void
  /** The target's HTTP client; a StepError when the target has no HTTP endpoint. */
  http(): HttpClient
  /** Responses of `http` steps with `as:`, for `expect-http`. */
  readonly pendingHttp: Map<string, Promise<HttpResult>>
  /** Adds a series of event times to the scenario result (rate assertions). */
  addTimeline(timeline: Timeline): void
}

/** What a step may report besides passing. */
export interface StepOutcome {
  /** Latency the step measured: CONNECT→CONNACK, PUBLISH→PUBACK, request→response... */
  latencyMs?: number
}
