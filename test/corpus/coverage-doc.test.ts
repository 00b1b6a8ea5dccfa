import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { COVERAGE_DOC, currentCoverageDoc, currentStandardDoc } from './coverage-table.js'
import { STANDARD_DOC } from './standard-coverage-table.js'

describe.each([
  ['docs/coverage.md', COVERAGE_DOC, currentCoverageDoc],
  ['docs/mqtt-standard.md', STANDARD_DOC, currentStandardDoc],
] as const)('%s', (name, file, current) => {
  it('is current with the catalogues and the corpus (regenerate with npm run coverage:doc)', async () => {
    const expected = await current()
    const actual = readFileSync(file, 'utf8')
    // A readable hint first: the first line that differs.
    const a = actual.split('\n')
    const e = expected.split('\n')
    const at = e.findIndex((line, i) => a[i] !== line)
    expect(at === -1 && a.length === e.length, `${name} is out of date (first difference at line ${at + 1}: expected ${JSON.stringify(e[at])}, found ${JSON.stringify(a[at])}); run npm run coverage:doc`).toBe(true)
  })
})
