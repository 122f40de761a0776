// Integration suites that run real outside programs (rapper from raptor2-utils, …);
// .ci/run installs them with apt-get before running this. The crash suites (test/crash) kill the
// built CLI (dist/, which npm ci builds) with SIGKILL.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/integration/**/*.test.ts', 'test/crash/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
