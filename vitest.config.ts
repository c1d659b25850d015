import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'agents/**/*.test.ts',
      'sandbox/**/*.test.ts',
      'main/**/*.test.ts',
      'preload/**/*.test.ts',
      'renderer/**/*.test.{ts,tsx}',
      'test/**/*.test.ts',
    ],
    // Native modules (better-sqlite3, odbc, keytar) and real child processes: forks, not threads.
    pool: 'forks',
    // Two cores here; the integration tests start real processes and databases.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default', './test/helpers/count-reporter.ts'],
    // Finds the servers and the external corpus once, and prints one line for each that is missing.
    globalSetup: ['./test/helpers/global-setup.ts'],
  },
});
