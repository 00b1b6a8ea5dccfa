/**
 * spec: the requirement catalogue as data, the scenario language (schema,
 * loader, JSON Schema) and the report schema. Imports nothing of ours.
 * This is the folder's only entry.
 */
export * from './report-schema.js'
export * from './catalogue.js'
export * from './mqtt-standard.js'
export { knownRequirementIds } from './known-requirements.js'
export * from './duration.js'
export * from './yaml-source.js'
export * from './variables.js'
export * from './capabilities.js'
export * from './client-schema.js'
export * from './matcher-schema.js'
export * from './step-definition.js'
export * from './steps/index.js'
export * from './scenario-schema.js'
export * from './matrix.js'
export * from './zod-problems.js'
export { closestName } from './closest-name.js'
export { loadScenarioText, type ScenarioFileOptions } from './load-scenario-file.js'
export { loadScenarios, formatIssue, type LoadScenariosOptions, type LoadScenariosResult } from './loader.js'
export { generateScenarioJsonSchema, scenarioJsonSchemaText, SCENARIO_JSON_SCHEMA_FILE } from './json-schema.js'
export { rateSchema, parseRate } from './load-rate.js'
export { LATENCY_SERIES, COUNTERS, parseThreshold, compareThreshold, type Threshold, type ThresholdOp, type ThresholdOperand, type ThresholdError, type LatencySeries } from './load-threshold.js'
export * from './load-scenario-schema.js'
export { loadLoadScenarioText, loadLoadScenarioFile, type LoadScenario, type LoadMode } from './load-scenario-loader.js'
export * from './load-report-schema.js'
