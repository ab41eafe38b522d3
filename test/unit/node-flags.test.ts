import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GATEWAY_NODE_FLAGS } from '../../gateway/node-flags.js';

const root = new URL('../../', import.meta.url);

describe('the Node flags the gateway runs with', () => {
  it('are the same in `npm start`, the cbm-gateway shebang and GATEWAY_NODE_FLAGS', () => {
    const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe(`node ${GATEWAY_NODE_FLAGS.join(' ')} dist/gateway/cli.js start`);
    const shebang = readFileSync(new URL('gateway/cli.ts', root), 'utf8').split('\n')[0];
    expect(shebang).toBe(`#!/usr/bin/env -S node ${GATEWAY_NODE_FLAGS.join(' ')}`);
  });
});
