import { defineConfig } from 'vitest/config'

// Tests use real sockets on 127.0.0.1 port 0; every wait has its own deadline,
// so the per-test timeout is only a backstop against a harness bug.
export default defineConfig({
  test: {
    include: ['**/test/**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: ['default'],
  },
})
