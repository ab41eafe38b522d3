import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { ProblemsError, type Problem } from '../src/config/problems.js';
import type { LoadedConfig } from '../src/config/load.js';
import type { LoadedRules } from '../src/rules/load.js';
import { validateRules } from './commands/validate.js';
import type { RuleFiles } from './rule-files.js';

/** Where a rule file is wrong, as the rule editor shows it. */
export interface RuleProblem {
  /** The rule file (`rules/pumps.yaml`), or `(edited)` for a new text not saved under a name. */
  file: string;
  line: number | null;
  column: number | null;
  /** Path inside the file, e.g. `rules[0].conditions.all[1].operator`. */
  path: string;
  message: string;
}

export interface CandidateCheck {
  ok: boolean;
  problems: RuleProblem[];
  warnings: RuleProblem[];
  /** The edited text's rules (enabled ones) and the assets each applies to. */
  rules: { id: string; name: string; priority: number; assets: string[] }[];
}

export interface Edit {
  /** The rule file the text replaces; none: a text checked beside the site's files. */
  file?: string | undefined;
  yaml: string;
}

/**
 * Checks an edited rule text as `cbm-gateway rules check` does (the same loader, against the
 * site's assets, tags and facts), together with the site's other rule files, so a rule id used
 * twice across files is found too. The text goes into a temporary file standing in for the edited
 * one (outside the rule folders: the rule watcher never sees it); `use` runs while it exists (the
 * dry-run replays it) and only when the text loads.
 */
export function checkEdit<T>(files: RuleFiles, loaded: LoadedConfig, edit: Edit, use?: (candidate: string, check: CandidateCheck) => T): { check: CandidateCheck; result?: T } {
  const target = edit.file === undefined ? undefined : files.resolve(edit.file);
  const dir = mkdtempSync(join(tmpdir(), 'cbm-rule-edit-'));
  try {
    const candidate = join(dir, target ? basename(target) : 'edited.yaml');
    writeFileSync(candidate, edit.yaml);
    const paths = files.paths();
    const list = target ? paths.map((p) => (p === target ? candidate : p)) : [...paths, candidate];
    const name = (file: string) => (file === candidate ? edit.file ?? '(edited)' : files.idOf(file));
    const view = (p: Problem): RuleProblem => ({ file: name(p.file), line: p.line ?? null, column: p.column ?? null, path: p.path, message: p.message });
    let rules: LoadedRules;
    try {
      rules = validateRules(loaded, list);
    } catch (e) {
      if (!(e instanceof ProblemsError)) throw e;
      return { check: { ok: false, problems: e.problems.map(view), warnings: [], rules: [] } };
    }
    const check: CandidateCheck = {
      ok: true,
      problems: [],
      warnings: rules.warnings.map(view),
      rules: rules.rules.filter((r) => r.file === candidate).map((r) => ({ id: r.rule.id, name: r.rule.name, priority: r.rule.priority, assets: r.assets })),
    };
    return use ? { check, result: use(candidate, check) } : { check };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
