import { defineConfig } from 'vitest/config'
import { BaseSequencer, type TestSpecification } from 'vitest/node'

/**
 * The tests Stryker runs against mutants of the rule modules (stryker.config.mjs,
 * docs/mutation.md).
 *
 * By default: the unit tests of the rule modules (milliseconds each).
 * HX_MUTATION_SOCKETS=1 adds the socket tests of the code only a running broker
 * reaches (session expiry in aws-broker.ts, the MQTT and HTTP policy hooks), which
 * stryker.config.mjs then mutates too: seconds to minutes per mutant.
 * HX_MUTATION_TESTS=all: every reference-broker test except cli-broker (it runs
 * dist/ in a child process, where no mutant is active) and throughput (a timed
 * load). Survivors then run every socket test that reaches them: hours.
 * HX_MUTATION_TESTS=a.test.ts,b.test.ts (globs): just those, while working on one module.
 */
const T = 'reference-broker/test'
const UNIT = [
  'topic-rules', 'inbound-checks', 'rate-limiter', 'byte-budget', 'outbound-shaper', 'outbound-shaper-edges',
  'request-params', 'name-rules', 'route-table', 'mqtt5-headers', 'read-body', 'await-puback', 'verify-sigv4',
  'policy-engine', 'policy-document', 'wildcard-pattern', 'policy-connect-attributes', 'create-authorizer',
  'fit-packet-size', 'split-frame', 'property-bytes-walker', 'property-bytes',
  'session-stores', 'session-windows',
].map((name) => `${T}/${name}.test.ts`)
const SOCKET = ['sessions', 'will-delay', 'takeover-lwt', 'http-connections', 'lifecycle', 'quotas', 'shared-subscriptions', 'subscription-identifiers', 'policy-mqtt', 'policy-mqtt-connect-attributes', 'policy-http'].map((name) => `${T}/${name}.test.ts`)

const chosen = process.env.HX_MUTATION_TESTS
const sockets = process.env.HX_MUTATION_SOCKETS === '1' ? SOCKET : []
const include = chosen === 'all' ? [`${T}/**/*.test.ts`] : chosen ? chosen.split(',').map((s) => s.trim()).filter(Boolean) : [...UNIT, ...sockets]

/**
 * Unit test files first, then socket tests: Stryker bails at the first failing
 * test, so a mutant a unit test kills costs milliseconds, not a broker start.
 */
class UnitFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => (UNIT.some((u) => f.moduleId.endsWith(u)) ? 0 : 1)
    return [...files].sort((a, b) => rank(a) - rank(b) || a.moduleId.localeCompare(b.moduleId))
  }
}

export default defineConfig({
  test: {
    include,
    exclude: ['node_modules/**', 'dist/**', '.stryker-tmp/**', `${T}/cli-broker.test.ts`, `${T}/throughput.test.ts`],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    sequence: { sequencer: UnitFirst },
    reporters: ['default'],
  },
})
