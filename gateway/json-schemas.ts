import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { siteConfigSchema } from '../src/config/schema.js';
import { ruleFileSchema } from '../src/rules/schema.js';

const SCHEMAS = {
  'site.schema.json': { schema: siteConfigSchema, title: 'cbm-gateway site configuration', description: 'The site file read by cbm-gateway start/validate (docs/configuration.md).' },
  'rules.schema.json': { schema: ruleFileSchema, title: 'cbm-gateway rule file', description: 'A rule file under rules/ (docs/rules.md).' },
} as const;

/**
 * JSON Schemas (draft-07, what yaml-language-server reads best) of the site configuration and
 * of rule files, generated from the zod schemas that validate them, as the input a person
 * writes: fields with defaults are optional, durations take `5m` or milliseconds. Checks zod
 * cannot express in JSON Schema (ids that must exist elsewhere in the file) still come from
 * `cbm-gateway validate` and `rules check`. File name → text.
 */
export function jsonSchemas(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(SCHEMAS).map(([file, s]) => {
      const json = z.toJSONSchema(s.schema, { io: 'input', target: 'draft-7', unrepresentable: 'any' });
      return [file, `${JSON.stringify({ ...json, title: s.title, description: s.description }, null, 2)}\n`];
    }),
  );
}

/** Writes the schema files into `dir`; returns their paths. */
export function writeJsonSchemas(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  return Object.entries(jsonSchemas()).map(([file, text]) => {
    const path = join(dir, file);
    writeFileSync(path, text);
    return path;
  });
}
