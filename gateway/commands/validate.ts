import { loadConfig, resolveFrom, type LoadedConfig } from '../../src/config/load.js';
import { AlarmBook } from '../../src/alarms/book.js';
import { ruleFiles, type LoadedRules } from '../../src/rules/load.js';
import { RuleSet } from '../../src/rules/rule-set.js';
import { Catalog } from '../../src/tags/catalog.js';
import { TagState } from '../../src/tags/tag-state.js';
import { defineCommand, UsageError } from './command.js';
import { configNote, configOption } from './options.js';
import { reportError } from './report.js';

/** Loads the config's rule files against its assets, as `start` would; throws every problem. */
export function validateRules(loaded: LoadedConfig, files?: string[]): LoadedRules {
  const rules = new RuleSet({ tags: new TagState(new Catalog(loaded.config)), sink: new AlarmBook(), startedAt: 0 });
  return rules.load(files ?? ruleFiles(loaded.config.rules.map((r) => resolveFrom(loaded.baseDir, r)))).loaded;
}

export const validateCommand = defineCommand({
  words: ['validate'],
  usage: 'validate --config FILE',
  summary: 'check a site configuration and its rule files; exit 0, or print every problem and exit 1',
  options: { config: configOption },
  notes: [configNote],
  async run({ values }) {
    const file = values.config ?? process.env.CBM_CONFIG;
    if (!file) throw new UsageError('validate needs --config FILE');
    try {
      const loaded = loadConfig(file);
      const s = validateRules(loaded);
      process.stdout.write(`${loaded.file}: OK (${loaded.config.assets.length} assets, ${loaded.config.sources.length} sources, ${s.rules.length} rules on ${s.instances.length} asset instances)\n`);
      return 0;
    } catch (e) {
      reportError(e);
      return 1;
    }
  },
});
