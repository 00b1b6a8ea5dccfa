/**
 * spec: the requirement catalogue as data, the scenario language (schema,
 * loader, JSON Schema) and the report schema. Imports nothing of ours.
 * This is the folder's only entry.
 */
export * from './report-schema.js'
