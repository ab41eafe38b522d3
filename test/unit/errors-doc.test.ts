import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorCodes } from '../../src/core/errors.js';

/** As fastify does: every error code is documented, with its status and retryability. */
describe('error registry', () => {
  it('lists every code in the README with its HTTP status and retryability', () => {
    const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
    for (const [code, def] of Object.entries(errorCodes)) {
      expect(readme, code).toContain(`| \`${code}\` | ${def.status} | ${def.retryable} |`);
    }
  });
});
