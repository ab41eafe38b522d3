import { configDefaults, defineConfig } from 'vitest/config';

/**
 * `npm run demo` in Chromium (test/e2e/demo.test.ts) runs its plant at 3,600 times the wall clock
 * for a minute and a half: beside it, the other scenarios on simulated time starve and their
 * sensors go stale. It runs after every other file, alone.
 */
const DEMO_E2E = 'test/e2e/demo.test.ts';

export default defineConfig({
  test: {
    // One temporary root per run, removed at its end: tests leave nothing in the system's /tmp.
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests spawn real servers; two cores do not gain from more parallel files.
    maxWorkers: 2,
    fileParallelism: true,
    projects: [
      { extends: true, test: { name: 'tests', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, DEMO_E2E], sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'demo', include: [DEMO_E2E], sequence: { groupOrder: 1 } } },
    ],
  },
});
