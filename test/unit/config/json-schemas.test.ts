import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonSchemas } from '../../../gateway/json-schemas.js';

const root = join(import.meta.dirname, '../../..');
const schemaDir = join(root, 'edge-config/schema');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? (e.name === 'schema' ? [] : yamlFiles(join(dir, e.name))) : e.name.endsWith('.yaml') ? [join(dir, e.name)] : []));
}

/** Issue 17: editors complete and check site and rule files from JSON Schemas generated from the zod schemas. */
describe('JSON Schemas for the site file and rule files', () => {
  it('are committed exactly as `npm run schemas` generates them', () => {
    for (const [file, text] of Object.entries(jsonSchemas())) expect(readFileSync(join(schemaDir, file), 'utf8'), `${file}: run npm run schemas`).toBe(text);
  });

  it('describe what a person writes: defaults optional, durations as text or milliseconds, strict objects', () => {
    const site = JSON.parse(jsonSchemas()['site.schema.json']!) as { required: string[]; additionalProperties: boolean; properties: Record<string, any> };
    expect(site.required.sort()).toEqual(['gateway', 'site']);
    expect(site.additionalProperties).toBe(false);
    expect(site.properties.api.properties.auth).toMatchObject({ enum: ['users', 'none'], default: 'users' });
    expect(site.properties.workOrders.properties.retry.properties.maxDelay.type).toEqual(['string', 'number']);
    const rules = JSON.parse(jsonSchemas()['rules.schema.json']!) as { properties: { rules: { items: { required: string[] } } } };
    expect(rules.properties.rules.items.required).toEqual(expect.arrayContaining(['id', 'conditions', 'workOrder']));
  });

  it('are named on the first line of every example config and rule file (yaml-language-server)', () => {
    const files = [...yamlFiles(join(root, 'edge-config')).map((f) => [f, 'site.schema.json'] as const), ...yamlFiles(join(root, 'rules')).map((f) => [f, 'rules.schema.json'] as const)];
    expect(files.length).toBeGreaterThan(5);
    for (const [file, schema] of files) {
      const first = readFileSync(file, 'utf8').split('\n', 1)[0]!;
      const m = /^# yaml-language-server: \$schema=(\S+)$/.exec(first);
      expect(m, relative(root, file)).not.toBeNull();
      expect(resolve(dirname(file), m![1]!), relative(root, file)).toBe(join(schemaDir, schema));
    }
  });
});
