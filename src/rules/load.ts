import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { AssetInfo } from '../core/asset.js';
import { formatPath, locate, ProblemsError, zodProblems, type Problem } from '../config/problems.js';
import { readYaml } from '../config/yaml-file.js';
import type { Catalog } from '../tags/catalog.js';
import { compileCondition, CompileError, type Compiled } from './compile.js';
import type { FactResolver } from './facts.js';
import { z } from 'zod';
import { ruleFields, ruleSchema, type Condition, type RuleConfig } from './schema.js';
import { checkTemplate } from '../core/template.js';

/** A rule applied to one asset: what the engine evaluates and the alarm belongs to. */
export interface RuleInstance {
  /** `<ruleId>@<assetId>`: the alarm's identity. */
  key: string;
  rule: RuleConfig;
  file: string;
  asset: AssetInfo;
  compiled: Compiled;
  clear: Compiled | undefined;
}

/** Expands `rules:` entries (files or folders of `*.yaml`/`*.yml`) into a sorted file list. */
export function ruleFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch {
      out.push(p); // reported as unreadable by the loader, with its name
      continue;
    }
    if (st.isDirectory()) {
      for (const f of readdirSync(p).sort()) if (/\.ya?ml$/.test(f)) out.push(join(p, f));
    } else out.push(p);
  }
  return out;
}

function selectAssets(r: RuleConfig, catalog: Catalog): { assets: AssetInfo[]; missing: string[] } {
  const ids = r.asset !== undefined ? [r.asset] : r.assets ?? r.selector?.ids;
  if (ids) {
    const assets = ids.map((id) => catalog.asset(id)).filter((a): a is AssetInfo => a !== undefined);
    const missing = ids.filter((id) => !catalog.asset(id));
    return { assets: filterSelector(assets, r), missing };
  }
  return { assets: filterSelector([...catalog.assets.values()], r), missing: [] };
}

function filterSelector(assets: AssetInfo[], r: RuleConfig): AssetInfo[] {
  const s = r.selector;
  if (!s) return assets;
  const attrs = Object.entries(s.attributes ?? {});
  return assets.filter(
    (a) =>
      (s.class === undefined || a.class === s.class) &&
      (s.criticality === undefined || a.criticality === s.criticality) &&
      attrs.every(([k, v]) => a.attributes[k] === v) &&
      (s.tags ?? []).every((t) => a.tags.some((x) => x.id === t) || a.meters.some((m) => m.id === t)),
  );
}

export interface LoadedRules {
  instances: RuleInstance[];
  rules: { file: string; rule: RuleConfig; assets: string[] }[];
  /** Not errors: a library rule whose selector matches no asset of this site, say. */
  warnings: Problem[];
}

/**
 * Loads rule files and compiles every rule for every asset it applies to. All problems of all
 * files come back at once (file, line, path, expectation) in a {@link ProblemsError}.
 */
export function loadRules(files: readonly string[], catalog: Catalog, facts: FactResolver, env: NodeJS.ProcessEnv = process.env): LoadedRules {
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const instances: RuleInstance[] = [];
  const rules: LoadedRules['rules'] = [];
  const ruleIds = new Map<string, string>();

  for (const file of files) {
    let y;
    try {
      y = readYaml(file, env);
    } catch (e) {
      problems.push({ file, path: '', message: (e as Error).message });
      continue;
    }
    if (y.problems.length) {
      problems.push(...y.problems);
      continue;
    }
    const at = (path: (string | number)[], message: string): void => {
      problems.push({ file, path: formatPath(path), ...(locate(y.doc, y.lc, path) ?? {}), message });
    };
    // The file's shape first, then each rule on its own: one rule's mistake hides no other's.
    const shape = ruleFileShape.safeParse(y.data, { reportInput: true });
    if (!shape.success) {
      problems.push(...zodProblems(file, shape.error, y.doc, y.lc));
      continue;
    }
    shape.data.rules.forEach((raw, i) => {
      const base: (string | number)[] = ['rules', i];
      const parsed = ruleSchema.safeParse(raw, { reportInput: true });
      if (!parsed.success) {
        problems.push(...zodProblems(file, prefixed(parsed.error, base), y.doc, y.lc));
        // Its conditions may still name unknown facts: say so now, not after the next attempt.
        const probe = ruleProbe.safeParse(raw);
        if (probe.success) {
          for (const asset of selectAssets(probe.data as RuleConfig, catalog).assets) {
            const c = compileRule({ ...probe.data, deadband: probe.data.deadband ?? 0 }, asset.id, facts, `${probe.data.id}@${asset.id}`, base);
            if ('problems' in c) for (const p of c.problems) at(p.path, p.message);
          }
        }
        return;
      }
      const rule = parsed.data;
      const prev = ruleIds.get(rule.id);
      if (prev) at([...base, 'id'], `duplicate rule id "${rule.id}" (also in ${prev})`);
      ruleIds.set(rule.id, file);
      if (!rule.enabled) return;
      const { assets, missing } = selectAssets(rule, catalog);
      for (const m of missing) at([...base, rule.asset !== undefined ? 'asset' : 'assets'], `unknown asset "${m}"`);
      if (assets.length === 0 && missing.length === 0) {
        const path = [...base, 'selector'];
        warnings.push({ file, path: formatPath(path), ...(locate(y.doc, y.lc, path) ?? {}), message: 'selects no asset of this site; the rule is inactive' });
      }
      rules.push({ file, rule, assets: assets.map((a) => a.id) });
      for (const asset of assets) {
        const key = `${rule.id}@${asset.id}`;
        const c = compileRule(rule, asset.id, facts, key, base);
        if ('problems' in c) for (const p of c.problems) at(p.path, p.message);
        const tagIds = new Set(asset.tags.map((t) => t.id));
        for (const field of ['title', 'description'] as const) {
          for (const msg of checkTemplate(rule.workOrder[field], templateRoots(tagIds))) at([...base, 'workOrder', field], `${msg} (asset ${asset.id})`);
        }
        if ('problems' in c) continue;
        instances.push({ key, rule, file, asset, compiled: c.compiled, clear: c.clear });
      }
    });
  }
  if (problems.length) throw new ProblemsError('CBM_ERR_RULE_INVALID', dedupe(problems));
  return { instances, rules, warnings };
}

/** A rule's whole-file shape: a list of rules, each checked on its own. */
const ruleFileShape = z.object({ rules: z.array(z.unknown()) }).strict();

/**
 * What a rule with other problems still lets us compile: its asset selection and conditions (under
 * the key its instances will have, as "since service" baselines are kept by it).
 */
const ruleProbe = ruleFields.pick({ id: true, asset: true, assets: true, selector: true, conditions: true, clear: true, deadband: true }).strip();

/** Issues of one rule parsed on its own, at their place in the file. */
function prefixed(error: z.ZodError, base: (string | number)[]): z.ZodError {
  return new z.ZodError(error.issues.map((i) => ({ ...i, path: [...base, ...i.path] })));
}

interface CompiledRule {
  compiled: Compiled;
  clear: Compiled | undefined;
}

/** Compiles a rule's condition (and clear condition) for one asset, or says where and why it cannot. */
function compileRule(rule: Pick<RuleConfig, 'conditions' | 'clear' | 'deadband'>, assetId: string, facts: FactResolver, key: string, base: (string | number)[]): CompiledRule | { problems: { path: (string | number)[]; message: string }[] } {
  const problems: { path: (string | number)[]; message: string }[] = [];
  const one = (cond: Condition, deadband: number, at: string): Compiled | undefined => {
    try {
      return compileCondition(cond, assetId, facts, deadband, key);
    } catch (e) {
      if (!(e instanceof CompileError)) throw e;
      problems.push({ path: [...base, at, ...e.path], message: `${e.message} (asset ${assetId})` });
      return undefined;
    }
  };
  const compiled = one(rule.conditions, rule.deadband, 'conditions');
  const clear = rule.clear ? one(rule.clear, 0, 'clear') : undefined;
  return compiled && problems.length === 0 ? { compiled, clear } : { problems };
}

function templateRoots(tags: ReadonlySet<string>): Record<string, ReadonlySet<string> | null> {
  return {
    asset: new Set(['id', 'name', 'class', 'serialNumber', 'manufacturer', 'model', 'criticality', 'path']),
    rule: new Set(['id', 'name', 'description']),
    value: tags,
    unit: tags,
    limit: tags,
    priority: null,
    time: null,
    episode: null,
    site: new Set(['id', 'name']),
  };
}

function dedupe(ps: Problem[]): Problem[] {
  const seen = new Set<string>();
  return ps.filter((p) => {
    const k = `${p.file}|${p.path}|${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
