import { makeRunRoot, removeRunRoot, sweepDeadRunRoots, TMP_ENV } from './tmp.js';

/**
 * vitest globalSetup: one temporary root for the whole run, handed to every test worker through
 * the environment (workers start after this runs) and removed when the run ends. Tests make their
 * folders inside it with `tempDir()` (test/helpers/servers.ts); the OPC UA PKI folders, which
 * node-opcua is slow to fill, are reused within the run and go with it.
 */
export default function setup(): () => void {
  const swept = sweepDeadRunRoots();
  if (swept) console.log(`removed ${swept} temporary folder(s) left by test runs that did not finish`);
  const root = makeRunRoot();
  process.env[TMP_ENV] = root;
  return () => {
    removeRunRoot(root);
    delete process.env[TMP_ENV];
  };
}
