import { defineConfig } from 'vitest/config'

// Tests use real sockets on 127.0.0.1 port 0; every wait has its own deadline,
// so the per-test timeout is only a backstop against a harness bug.
//
// The deviation sweep (the whole corpus against every deliberate deviation,
// about 4 minutes) is its own command, `npm run test:deviations` (HX_SWEEP=1),
// which .ci/run runs after `npm test`.
const sweep = process.env.HX_SWEEP === '1'

export default defineConfig({
  test: {
    include: sweep ? ['test/corpus/deviations.test.ts'] : ['**/test/**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', '.stryker-tmp/**', ...(sweep ? [] : ['test/corpus/deviations.test.ts'])],
    testTimeout: 60_000,
    hookTimeout: sweep ? 900_000 : 30_000,
    pool: 'forks',
    reporters: ['default'],
  },
})
