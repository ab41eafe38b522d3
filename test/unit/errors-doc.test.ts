import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorCodes } from '../../src/core/errors.js';

/** As fastify does: every error code is documented, with its status and retryability. */
describe('error registry', () => {
  const doc = readFileSync(join(import.meta.dirname, '../../docs/errors.md'), 'utf8');
  const rows = [...doc.matchAll(/^\| `(CBM_ERR_[A-Z_]+)` \| (\d+) \| (true|false) \|/gm)];

  it('lists every code in docs/errors.md with its HTTP status and retryability', () => {
    for (const [code, def] of Object.entries(errorCodes)) {
      expect(doc, code).toContain(`| \`${code}\` | ${def.status} | ${def.retryable} |`);
    }
  });

  it('lists no code the registry does not have, and each once', () => {
    const listed = rows.map((r) => r[1]!);
    expect(listed.filter((c) => !(c in errorCodes))).toEqual([]);
    expect(new Set(listed).size).toBe(listed.length);
  });
});
