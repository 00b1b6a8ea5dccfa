/**
 * `npm run coverage:doc`: writes docs/coverage.md (every catalogue requirement,
 * whether it is wire-observable, the scenarios covering it or why none does)
 * from spec/catalogue.json, spec/catalogue-coverage.ts and scenarios/.
 */
import { readFileSync, existsSync, writeFileSync } from 'node:fs'
import { relative } from 'node:path'
import { repoRoot } from '../test/corpus/corpus.js'
import { COVERAGE_DOC, currentCoverageDoc } from '../test/corpus/coverage-table.js'

const text = await currentCoverageDoc()
const before = existsSync(COVERAGE_DOC) ? readFileSync(COVERAGE_DOC, 'utf8') : ''
writeFileSync(COVERAGE_DOC, text)
console.log(`${relative(repoRoot, COVERAGE_DOC)} ${before === text ? 'unchanged' : 'written'}`)
