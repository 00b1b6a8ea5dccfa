/**
 * Runners: the CLI, target resolution, the scenario runner and the load runner.
 * This is the folder's only entry.
 */
export { buildProgram, main } from './cli.js'
export { EXIT, type ExitCode } from '../spec/index.js'
export { RawMqttClient, WaitTimeoutError, type RawPacket, type CloseInfo, type RawConnectOptions } from './adapters/raw-mqtt-client.js'
export { runScenarios, DEFAULT_CONCURRENCY, type RunScenariosOptions } from './run-scenarios.js'
export { runScenario, missingCapabilities, type RunScenarioOptions } from './run-scenario.js'
export { buildReport } from './build-report.js'
export { resolveTarget, type ResolveTargetOptions } from './targets/resolve-target.js'
export { startBundledTarget, type BundledTargetOptions } from './targets/bundled-target.js'
export { resolveExternalTarget, readTargetFile } from './targets/external-target.js'
export { targetFileSchema, type TargetFile } from './targets/target-file-schema.js'
export { flattenLimits, profileCapabilities, profileReadings, type ResolvedTarget } from './targets/resolved-target.js'
export { StepRegistry, StepRegistryError, defineStepRunner, createStepRegistryFrom, type StepImplementation } from './step-registry.js'
export { createStepRegistry, BUILTIN_STEPS } from './steps/index.js'
export type { StepContext, StepOutcome } from './step-context.js'
export { createMqttjsClientAdapter } from './adapters/mqttjs-client.js'
export { createRawClientAdapter } from './adapters/raw-client-adapter.js'
export { createHttpClient, type HttpClient, type HttpEndpoint, type HttpResult, type SigV4Settings } from './adapters/http-client.js'
export type { MqttAdapter, MqttEndpoint, ConnectParams, PublishParams } from './adapters/mqtt-adapter.js'
export { Inbox, type InboxEntry, type CloseState } from './adapters/inbox.js'
export { matchValue } from './matching/match-value.js'
export { describeRate, rateCheck, slidingWindows } from './matching/rate-check.js'
export {
  HarnessError, ScenarioInvalidError, TargetInvalidError, TargetUnreachableError, CliUsageError, ExpectationFailure, StepError, ScenarioTimeoutError,
} from './errors.js'
export { runLoad, exitCodeOf, type RunLoadOptions, type LoadRunResult } from './load/run-load.js'
export { buildLoadReport } from './load/build-load-report.js'
export { createOpenModelScheduler, type OpenModelScheduler, type SchedulerHooks } from './load/open-model-scheduler.js'
export { createArrivalPlan, planStages, type ArrivalPlan, type Slice } from './load/arrival-plan.js'
export type { LoadProgress } from './load/load-progress.js'
