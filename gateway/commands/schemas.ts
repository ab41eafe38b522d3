import { writeJsonSchemas } from '../json-schemas.js';
import { defineCommand, UsageError } from './command.js';

export const schemasCommand = defineCommand({
  words: ['schemas'],
  usage: 'schemas --out DIR',
  summary: 'write the JSON Schemas of the site file and rule files (for editors) into DIR',
  options: { out: { type: 'string', short: 'o', value: 'DIR', description: 'folder to write site.schema.json and rules.schema.json into' } },
  notes: ['Point an editor at them with a first line "# yaml-language-server: $schema=<path>/site.schema.json".'],
  async run({ values }) {
    if (!values.out) throw new UsageError('schemas needs --out DIR');
    for (const p of writeJsonSchemas(values.out)) process.stdout.write(`${p}\n`);
    return 0;
  },
});
