import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One temporary root per run, removed at its end: tests leave nothing in the system's /tmp.
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests spawn real servers; two cores do not gain from more parallel files.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
