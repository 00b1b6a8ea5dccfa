import type { RunReport, ScenarioResult, TargetInfo } from '../spec/index.js'

/** What a reporter learns when a run starts. */
export interface RunStartInfo {
  /** Number of scenarios (matrix cells included) the run will report. */
  total: number
  target: TargetInfo
  /** ISO 8601 timestamp. */
  startedAt: string
  /** The mqtt-harness version running. */
  version?: string
}

/** What a reporter learns when one scenario (one matrix cell) starts. */
export type ScenarioStartInfo = Pick<ScenarioResult, 'id' | 'title' | 'file'>

/**
 * A report format. Every hook is optional and may be async; the runner awaits
 * each. Reporters receive plain objects (the report schema's types), never
 * runner internals, and must not mutate them: the same object goes to every
 * reporter. Scenarios may run concurrently, so `onScenarioStart` calls can
 * interleave with other scenarios' `onScenarioEnd`.
 */
export interface Reporter {
  /** The format's registered name (`console`, `json`...), for messages. */
  readonly name?: string
  /** The file this reporter writes in `onRunEnd`, if it writes one. */
  readonly outputFile?: string
  onRunStart?(info: RunStartInfo): void | Promise<void>
  onScenarioStart?(scenario: ScenarioStartInfo): void | Promise<void>
  onScenarioEnd?(result: ScenarioResult): void | Promise<void>
  onRunEnd?(report: RunReport): void | Promise<void>
}

/** Options every reporter factory receives. */
export interface ReporterOptions {
  /** Folder the file reporters write into (created if missing). */
  outDir: string
  /** Where the console reporter writes; process.stdout when absent. */
  stream?: NodeJS.WritableStream
  /** Console: the summary and failures only (`--quiet`). */
  quiet?: boolean
}

type Hook = 'onRunStart' | 'onScenarioStart' | 'onScenarioEnd' | 'onRunEnd'

/**
 * One reporter that forwards every hook to each of `reporters` in order.
 * A reporter that throws does not stop the others (a full disk must not cost
 * the console summary); the error is rethrown once all have run, several
 * together as an AggregateError.
 */
export function fanOut(reporters: readonly Reporter[]): Reporter {
  const call = async <H extends Hook>(hook: H, arg: Parameters<NonNullable<Reporter[H]>>[0]): Promise<void> => {
    const errors: unknown[] = []
    for (const reporter of reporters) {
      const fn = reporter[hook] as ((a: typeof arg) => void | Promise<void>) | undefined
      if (!fn) continue
      try {
        await fn.call(reporter, arg)
      } catch (err) {
        errors.push(err)
      }
    }
    if (errors.length === 1) throw errors[0]
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} reporters failed in ${hook}`)
  }
  return {
    name: 'fan-out',
    onRunStart: (info) => call('onRunStart', info),
    onScenarioStart: (scenario) => call('onScenarioStart', scenario),
    onScenarioEnd: (result) => call('onScenarioEnd', result),
    onRunEnd: (report) => call('onRunEnd', report),
  }
}
