import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Every temporary folder a test makes lives under one root per run, removed when the run ends:
 * under vitest the root is made and removed by test/helpers/global-setup.ts, which hands it to
 * the test workers (and the processes they spawn) in CBM_TEST_TMPDIR. A script run without
 * vitest (the benchmarks under tsx) gets a root of its own, removed when the process exits.
 */
export const TMP_ENV = 'CBM_TEST_TMPDIR';

const PREFIX = 'cbm-test-';

/**
 * `cbm-test-<pid>-XXXXXX` in the system temporary folder: the pid says whose it is. Other users
 * may pass through it but not list it: servers that drop root (Mosquitto runs as `mosquitto`)
 * must reach the files a test opened up for them; every folder inside is still mkdtemp's 0700.
 */
export function makeRunRoot(): string {
  const root = mkdtempSync(join(tmpdir(), `${PREFIX}${process.pid}-`));
  chmodSync(root, 0o711);
  return root;
}

export function removeRunRoot(root: string): void {
  rmSync(root, { recursive: true, force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the roots of runs whose process is gone (a run killed before its teardown, e.g. by a
 * CI timeout) and returns how many. Roots of runs still going (other engineers' on the same
 * machine) are left alone.
 */
export function sweepDeadRunRoots(): number {
  let n = 0;
  for (const name of readdirSync(tmpdir())) {
    const pid = Number(/^cbm-test-(\d+)-/.exec(name)?.[1]);
    if (!pid || pid === process.pid || alive(pid)) continue;
    removeRunRoot(join(tmpdir(), name));
    n++;
  }
  return n;
}

let own: string | undefined;

/** This run's root: the one vitest's global setup made, or one for this process alone. */
export function runRoot(): string {
  const given = process.env[TMP_ENV];
  if (given) return given;
  if (!own) {
    const root = makeRunRoot();
    own = root;
    process.once('exit', () => removeRunRoot(root));
  }
  return own;
}
