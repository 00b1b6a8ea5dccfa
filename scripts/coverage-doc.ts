/**
 * `npm run coverage:doc`: writes docs/coverage.md (every catalogue requirement,
 * whether it is wire-observable, the scenarios covering it or why none does)
 * from spec/catalogue.json, spec/catalogue-coverage.ts and scenarios/, and
 * docs/mqtt-standard.md (every MQTT normative statement) from spec/mqtt-standard.json.
 */
import { readFileSync, existsSync, writeFileSync } from 'node:fs'
import { relative } from 'node:path'
import { repoRoot } from '../test/corpus/corpus.js'
import { COVERAGE_DOC, currentCoverageDoc, currentStandardDoc } from '../test/corpus/coverage-table.js'
import { STANDARD_DOC } from '../test/corpus/standard-coverage-table.js'

for (const [file, text] of [[COVERAGE_DOC, await currentCoverageDoc()], [STANDARD_DOC, await currentStandardDoc()]] as const) {
  const before = existsSync(file) ? readFileSync(file, 'utf8') : ''
  writeFileSync(file, text)
  console.log(`${relative(repoRoot, file)} ${before === text ? 'unchanged' : 'written'}`)
}
