import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/servers.js';
import { removeRunRoot, runRoot, sweepDeadRunRoots, TMP_ENV } from '../../helpers/tmp.js';

/** The tests' own temporary folders: one root per run, nothing left in the system's /tmp. */
describe('test temporary folders', () => {
  it('are made inside the run root that vitest global setup made and will remove', () => {
    const root = process.env[TMP_ENV];
    expect(root).toMatch(new RegExp(`^${tmpdir()}/cbm-test-\\d+-`));
    expect(runRoot()).toBe(root);
    const dir = tempDir('probe');
    expect(dir.startsWith(`${root}/probe-`)).toBe(true);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    // Passable, not listable, for servers that drop root (Mosquitto) and read files a test opened up.
    expect(statSync(root!).mode & 0o777).toBe(0o711);
  });

  it("the roots of runs whose process is gone are swept; a live process's root is kept", () => {
    const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    const deadRoot = mkdtempSync(join(tmpdir(), `cbm-test-${Number(dead.stdout)}-`));
    const liveRoot = mkdtempSync(join(tmpdir(), `cbm-test-${process.ppid}-`));
    try {
      expect(sweepDeadRunRoots()).toBeGreaterThanOrEqual(1);
      expect(existsSync(deadRoot)).toBe(false);
      expect(existsSync(liveRoot)).toBe(true);
      expect(existsSync(process.env[TMP_ENV]!)).toBe(true);
    } finally {
      removeRunRoot(deadRoot);
      removeRunRoot(liveRoot);
    }
  });
});
