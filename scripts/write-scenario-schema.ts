// Writes spec/scenario.schema.json (the editor JSON Schema for scenario files)
// from the zod schemas. `npm run schema`; spec/test/json-schema.test.ts fails
// when the committed file is stale.
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { SCENARIO_JSON_SCHEMA_FILE, scenarioJsonSchemaText } from '../spec/index.js'

const file = fileURLToPath(new URL(`../${SCENARIO_JSON_SCHEMA_FILE}`, import.meta.url))
writeFileSync(file, scenarioJsonSchemaText())
process.stdout.write(`wrote ${SCENARIO_JSON_SCHEMA_FILE}\n`)
