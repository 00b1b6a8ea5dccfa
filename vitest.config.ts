import { defineConfig } from 'vitest/config'

// Tests use real sockets on 127.0.0.1 port 0; every wait has its own deadline,
// so the per-test timeout is only a backstop against a harness bug.
//
// Three suites, each its own command (.ci/run runs all three):
// - `npm test`: everything below but the two others. Test files run in
//   parallel worker processes: they mostly wait on sockets and timers, so
//   more workers than cores pays (vitest's default on 2 cores is 1 worker,
//   which ran the suite file after file). HX_TEST_WORKERS overrides the count.
// - `npm run test:slow` (HX_SLOW=1): tests whose verdict rests on rates and
//   latencies under a CPU-heavy load, run one file at a time so the rest of
//   the suite cannot skew what they measure: the load runs (2,000 devices, 5x
//   capacity, delayed PUBACKs, fan-in, scheduler lag, worker threads, shards),
//   the broker's 512 KiB/s shaping, and the whole shipped corpus on the
//   bundled broker (about 190 cells, 8 at a time, with rate quotas).
// - `npm run test:deviations` (HX_SWEEP=1): the whole corpus against every
//   deliberate deviation, about 8 minutes; `npm run test:deviations:ci`
//   (HX_SWEEP_SCOPE=targeted) only each deviation's own cells, about 1 minute.
export const SLOW_TESTS = [
  'runners/load/test/device-behaviours.test.ts',
  'runners/load/test/dm-bundled.test.ts',
  'runners/load/test/open-model.test.ts',
  'runners/load/test/open-model-scheduler.test.ts',
  'runners/load/test/pubsub.test.ts',
  'runners/load/test/scale-out.test.ts',
  'reference-broker/test/throughput.test.ts',
  'runners/test/bundled-scenarios.test.ts',
  // A real Prometheus scraping a load run, and a simulated 4-pod Indexed Job (deploy/).
  'runners/load/test/prometheus.slow.test.ts',
  'deploy/test/indexed-job-simulation.slow.test.ts',
]
const SWEEP_TESTS = ['test/corpus/deviations.test.ts']

const suite = process.env.HX_SWEEP === '1' ? 'sweep' : process.env.HX_SLOW === '1' ? 'slow' : 'main'
const workers = Number(process.env.HX_TEST_WORKERS) || 3

export default defineConfig({
  test: {
    include: suite === 'sweep' ? SWEEP_TESTS : suite === 'slow' ? SLOW_TESTS : ['**/test/**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', '.stryker-tmp/**', ...(suite === 'main' ? [...SWEEP_TESTS, ...SLOW_TESTS] : [])],
    testTimeout: 60_000,
    hookTimeout: suite === 'sweep' ? 900_000 : 60_000,
    pool: 'forks',
    maxWorkers: suite === 'main' ? workers : 1,
    reporters: ['default'],
    // @actions/workflow-parser imports its JSON schemas without import attributes: let vite load it.
    server: { deps: { inline: ['@actions/workflow-parser'] } },
  },
})
