import { defineConfig } from 'vitest/config'
import { BaseSequencer, type TestSpecification } from 'vitest/node'

/**
 * The tests Stryker runs against mutants of the rule modules (stryker.config.mjs):
 * the reference broker's own tests, without those that cannot see a mutant or
 * take minutes: cli-broker starts dist/ in a child process (the mutants live in
 * the sandbox's sources, in this process) and throughput is a timed load.
 * HX_MUTATION_TESTS (comma-separated globs) narrows the set while developing.
 */
const only = process.env.HX_MUTATION_TESTS?.split(',').map((s) => s.trim()).filter(Boolean)

/**
 * Unit tests of the pure rule modules first (names ending in -rules, -checks,
 * -params... listed in UNIT below), then the socket tests: Stryker bails at the
 * first failing test, so a mutant a unit test kills costs milliseconds.
 */
const UNIT = /\/(topic-rules|inbound-checks|rate-limiter|byte-budget|request-params|name-rules|mqtt5-headers|route-table|read-body|verify-sigv4|policy-engine|policy-document|wildcard-pattern|outbound-shaper)\.test\.ts$/

class UnitFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => (UNIT.test(f.moduleId) ? 0 : 1)
    return [...files].sort((a, b) => rank(a) - rank(b) || a.moduleId.localeCompare(b.moduleId))
  }
}

export default defineConfig({
  test: {
    include: only ?? ['reference-broker/test/**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', 'reference-broker/test/cli-broker.test.ts', 'reference-broker/test/throughput.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    sequence: { sequencer: UnitFirst },
    reporters: ['default'],
  },
})
