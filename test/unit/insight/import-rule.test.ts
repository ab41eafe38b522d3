import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/servers.js';

const require = createRequire(import.meta.url);
const config = require('../../../.dependency-cruiser.cjs') as { forbidden: unknown[]; options: Record<string, unknown> };

describe('src/insight is a read model beside the stages', () => {
  it('catches a stage importing it, and it importing the pipeline; gateway/ may use it', async () => {
    const root = tempDir('arch-insight');
    const files: Record<string, string> = {
      'src/core/a.ts': 'export const a = 1;\n',
      'src/alarms/book.ts': "import { score } from '../insight/health.js';\nexport const book = score;\n",
      'src/insight/health.ts': "import { a } from '../core/a.js';\nexport const score = a;\n",
      'src/insight/collect.ts': "import { run } from '../pipeline/run.js';\nexport const c = run;\n",
      'src/pipeline/run.ts': "import { a } from '../core/a.js';\nexport const run = a;\n",
      'gateway/api.ts': "import { score } from '../src/insight/health.js';\nexport const api = score;\n",
    };
    for (const [f, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, f)), { recursive: true });
      writeFileSync(join(root, f), text);
    }
    writeFileSync(join(root, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext' } }));
    try {
      const r = await cruise(['src', 'gateway'], { ...config.options, ruleSet: { forbidden: config.forbidden }, validate: true, baseDir: root } as never);
      const names = (r.output as ICruiseResult).summary.violations.map((v) => `${v.rule.name}: ${v.from}`).sort();
      expect(names).toEqual(['insight-reads-does-not-run: src/insight/collect.ts', 'no-stage-imports-insight: src/alarms/book.ts']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
