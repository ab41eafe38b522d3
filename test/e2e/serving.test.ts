import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { dashboard } from '../../gateway/dashboard.js';
import { tempDir } from '../helpers/servers.js';

describe('the page as the gateway serves it', () => {
  it('a build made while the gateway runs shows at once: its new chunks are found, its entry files revalidated, chunks cached for a year', async () => {
    const root = `${tempDir('web')}/`;
    mkdirSync(join(root, 'chunks'));
    writeFileSync(join(root, 'index.html'), '<!doctype html><script type="module" src="/app.js"></script>');
    writeFileSync(join(root, 'app.js'), 'import "./chunks/editor-AAAA.js";');
    writeFileSync(join(root, 'chunks', 'editor-AAAA.js'), 'export {};');
    const app = Fastify();
    await app.register(dashboard(root));
    try {
      expect((await app.inject('/chunks/editor-AAAA.js')).statusCode).toBe(200);
      // npm run build again: new chunk names, the old ones gone.
      rmSync(join(root, 'chunks', 'editor-AAAA.js'));
      writeFileSync(join(root, 'chunks', 'editor-BBBB.js'), 'export {};');
      writeFileSync(join(root, 'app.js'), 'import "./chunks/editor-BBBB.js";');
      const chunk = await app.inject('/chunks/editor-BBBB.js');
      expect(chunk.statusCode).toBe(200);
      expect(chunk.headers['cache-control']).toContain('immutable');
      const entry = await app.inject('/app.js');
      expect(entry.body).toContain('editor-BBBB');
      expect(entry.headers['cache-control']).toBe('no-cache');
      expect((await app.inject('/')).statusCode).toBe(200);
      expect((await app.inject('/chunks/editor-AAAA.js')).statusCode).toBe(404);
    } finally {
      await app.close();
    }
  });
});
