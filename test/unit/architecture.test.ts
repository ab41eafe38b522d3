import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cruise, type ICruiseResult, type IViolation } from 'dependency-cruiser';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/servers.js';

const require = createRequire(import.meta.url);
const config = require('../../.dependency-cruiser.cjs') as { forbidden: unknown[]; options: Record<string, unknown> };

async function violations(paths: string[], baseDir?: string): Promise<IViolation[]> {
  const r = await cruise(paths, { ...config.options, ruleSet: { forbidden: config.forbidden }, validate: true, ...(baseDir ? { baseDir } : {}) } as never);
  return (r.output as ICruiseResult).summary.violations;
}

const show = (vs: IViolation[]) => vs.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}${v.cycle ? ` (cycle ${v.cycle.map((c) => c.name).join(' -> ')})` : ''}`);

describe('import direction (docs/architecture.md): values flow forward', () => {
  it('src/, gateway/ and simulators/ import nothing against the stage order', async () => {
    expect(show(await violations(['src', 'gateway', 'simulators']))).toEqual([]);
  });

  it('catches a stage importing a later one, and a cycle', async () => {
    const root = tempDir('arch');
    const files: Record<string, string> = {
      'src/core/a.ts': 'export const a = 1;\n',
      'src/rules/engine.ts': "import { book } from '../alarms/book.js';\nexport const engine = book;\n",
      'src/alarms/book.ts': "import { a } from '../core/a.js';\nexport const book = a;\n",
      'src/tags/x.ts': "import { y } from './y.js';\nexport const x = () => y;\n",
      'src/tags/y.ts': "import { x } from './x.js';\nexport const y = () => x;\n",
    };
    for (const [f, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, f)), { recursive: true });
      writeFileSync(join(root, f), text);
    }
    writeFileSync(join(root, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext' } }));
    const names = (await violations(['src'], root).finally(() => rmSync(root, { recursive: true, force: true }))).map((v) => `${v.rule.name}: ${v.from}`).sort();
    expect(names).toEqual(['no-circular: src/tags/x.ts', 'rules-imports-no-later-stage: src/rules/engine.ts']);
  });
});
