// Mutation testing of the reference broker's rule modules (issue 11).
// `npm run test:mutation` runs it; it is not part of `npm test` or .ci/run.
// docs/mutation.md explains the choices and triages every surviving mutant.
//
// One module at a time while developing (the machine's cores are shared):
//   npx stryker run --mutate reference-broker/topic-rules.ts
// The test set is vitest.mutation.config.ts's: the unit tests of the rule modules by default;
// HX_MUTATION_SOCKETS=1 adds socket tests and the broker glue they reach; HX_MUTATION_TESTS=all
// runs every broker test (hours), or a comma-separated list of globs narrows the set:
//   HX_MUTATION_TESTS=reference-broker/test/topic-rules.test.ts npx stryker run --mutate reference-broker/topic-rules.ts

/** The rule modules: pure checks first, then the stateful shapers, the data plane and the policy engine. */
const RULE_MODULES = [
  'reference-broker/inbound-checks.ts',
  'reference-broker/topic-rules.ts',
  'reference-broker/measures.ts',
  'reference-broker/property-bytes.ts',
  'reference-broker/fit-packet-size.ts',
  'reference-broker/split-frame.ts',
  'reference-broker/rate-limiter.ts',
  'reference-broker/byte-budget.ts',
  'reference-broker/outbound-shaper.ts',
  'reference-broker/http/request-params.ts',
  'reference-broker/http/name-rules.ts',
  'reference-broker/http/route-table.ts',
  'reference-broker/http/mqtt5-headers.ts',
  'reference-broker/http/read-body.ts',
  'reference-broker/http/await-puback.ts',
  'reference-broker/http/verify-sigv4.ts',
  'reference-broker/policy/*.ts',
  '!reference-broker/policy/install-mqtt-policy.ts',
  // Session and expiry code (issue 11, docs/mutation.md "Session and expiry code"): the parts
  // that are pure, or wrap aedes-persistence's in-memory store and are tested on a real one
  // without a broker (session-stores.test.ts, session-windows.test.ts).
  'reference-broker/incoming-ids.ts',
  'reference-broker/resend-dup.ts',
  'reference-broker/sent-qos2-expiry.ts',
  'reference-broker/retained-store.ts',
  'reference-broker/inbound-window.ts',
  'reference-broker/fifo.ts',
  'reference-broker/drop-tally.ts',
  'reference-broker/stall-watch.ts',
]

/**
 * Code only a running broker reaches: the session rules layered on aedes (session-aedes.ts:
 * Session Expiry for every version [PS-EXPIRY-DEFAULT-1H], ending a session at close
 * [PS-SEI-DEFAULT-ZERO], the Will of a replaced session, 3.1.1 persistence across versions
 * [PS-NO-CROSS-VERSION]), delivery at the highest granted QoS and the Subscription Identifiers of
 * a delivery (they wrap a live aedes client), the session bookkeeping of aws-broker.ts (lines as
 * of issue 11: the session hooks of the constructor, the expiry note of a stored message
 * [MEI-REMAINING], onConnected/sessionEnded/endSessionNow, hasPersistentSession and
 * deleteOfflineSession) and the MQTT policy hooks. Mutated with HX_MUTATION_SOCKETS=1, which
 * also adds the socket tests that reach it (vitest.mutation.config.ts); each mutant there costs
 * seconds to minutes: measure one module at a time with HX_MUTATION_TESTS (docs/mutation.md,
 * "Session and expiry code"). The line ranges must follow aws-broker.ts when it changes.
 */
const BROKER_GLUE = [
  'reference-broker/session-aedes.ts',
  'reference-broker/highest-qos-delivery.ts',
  'reference-broker/subscription-identifiers.ts',
  'reference-broker/aws-broker.ts:40-47',
  'reference-broker/aws-broker.ts:71-77',
  'reference-broker/aws-broker.ts:153-190',
  'reference-broker/aws-broker.ts:244-258',
  'reference-broker/policy/install-mqtt-policy.ts',
]
const sockets = process.env.HX_MUTATION_SOCKETS === '1'

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: true },
  mutate: sockets ? [...RULE_MODULES.filter((m) => !m.startsWith('!')), ...BROKER_GLUE] : RULE_MODULES,
  // Each mutant runs only the tests that executed its code in the dry run.
  coverageAnalysis: 'perTest',
  // Mutants of module-level constants run only when the module loads, so every test would have
  // to run for each of them; they are skipped (docs/mutation.md lists what that leaves out).
  ignoreStatic: true,
  // Results are reused for mutants whose code and covering tests did not change. The file is
  // per machine and churns on every run, so it is not committed (docs/mutation.md).
  incremental: true,
  incrementalFile: 'results/mutation/stryker-incremental.json',
  // The machine's cores are shared: one test process unless told otherwise (--concurrency N).
  concurrency: 1,
  // A busy machine slows every test; a mutant only times out well past its dry-run time.
  timeoutMS: 20_000,
  timeoutFactor: 2,
  dryRunTimeoutMinutes: 20,
  reporters: ['html', 'json', 'clear-text', 'progress'],
  htmlReporter: { fileName: 'results/mutation/index.html' },
  jsonReporter: { fileName: 'results/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  tempDirName: '.stryker-tmp',
  ignorePatterns: ['dist', 'results', '.tmp'],
  thresholds: { high: 90, low: 85, break: null },
}
