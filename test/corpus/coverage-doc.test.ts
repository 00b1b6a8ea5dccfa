import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { COVERAGE_DOC, currentCoverageDoc } from './coverage-table.js'

describe('docs/coverage.md', () => {
  it('is current with the catalogue and the corpus (regenerate with npm run coverage:doc)', async () => {
    const expected = await currentCoverageDoc()
    const actual = readFileSync(COVERAGE_DOC, 'utf8')
    // A readable hint first: the first line that differs.
    const a = actual.split('\n')
    const e = expected.split('\n')
    const at = e.findIndex((line, i) => a[i] !== line)
    expect(at === -1 && a.length === e.length, `docs/coverage.md is out of date (first difference at line ${at + 1}: expected ${JSON.stringify(e[at])}, found ${JSON.stringify(a[at])}); run npm run coverage:doc`).toBe(true)
  })
})
