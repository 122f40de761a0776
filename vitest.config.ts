// Unit and flow tests (npm test); the suites that need outside programs are in
// vitest.integration.config.ts (npm run test:integration, run by .ci/run), and so are the crash
// suites (test/crash), which kill the built CLI.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/integration/**', 'test/crash/**', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
