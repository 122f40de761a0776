// Unit and flow tests (npm test); the suites that need outside programs are in
// vitest.integration.config.ts (npm run test:integration, run by .ci/run).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/integration/**', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
