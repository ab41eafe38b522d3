import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { Clock } from '../src/core/clock.js';
import { CbmError, errorCodes } from '../src/core/errors.js';
import { isoTime } from '../src/core/timestamp.js';
import type { LoadedConfig } from '../src/config/load.js';
import { readYaml } from '../src/config/yaml-file.js';
import type { LoadedRules } from '../src/rules/load.js';
import { ruleFileSchema, type RuleConfig } from '../src/rules/schema.js';
import type { Resolution } from '../src/history/history.js';
import type { Catalog } from '../src/tags/catalog.js';
import { actorName, type AuditSink } from './access.js';
import { badRequest, timeParam, type HistoryView } from './api-history.js';
import { checkEdit, type RuleProblem } from './rule-check.js';
import { dryRun } from './rule-dry-run.js';
import type { RuleFiles } from './rule-files.js';

/** What the rule routes read, and the one command they send: reload the rules. */
export interface RulesApiDeps {
  /** The site config as the gateway loaded it (rule paths resolve from its folder). */
  loaded: LoadedConfig;
  rules: () => LoadedRules;
  ruleFiles: RuleFiles;
  catalog: Pick<Catalog, 'asset'>;
  clock: Clock;
  history: HistoryView | undefined;
  /** The gateway's hot reload: the rules running keep running when the files do not load. */
  reloadRules: () => { ok: boolean; problems: string[] };
  /** Where `rule.save` and `rule.rollback` are recorded, with the text before and after. */
  audit: AuditSink;
}

export const validateBody = z.object({ file: z.string().optional(), yaml: z.string() }).strict();
export const dryRunBody = z
  .object({
    yaml: z.string(),
    /** The rule file the text replaces (its other rules are replayed as edited). */
    file: z.string().optional(),
    /** Default: 7 days before `to`. */
    from: timeParam.optional(),
    /** Default: now. */
    to: timeParam.optional(),
    /** Only these of the assets the rules select. */
    assets: z.array(z.string()).optional(),
    /** Which value of each minute (or hour) is replayed. */
    value: z.enum(['avg', 'min', 'max', 'last']).default('avg'),
  })
  .strict();
export const saveBody = z.object({ yaml: z.string(), version: z.string() }).strict();
export const rollbackBody = z.object({ version: z.string() }).strict();

const DAY = 86_400_000;
const engineer = { config: { role: 'engineer' as const } };

function parse<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const r = schema.safeParse(body ?? {});
  if (!r.success) throw badRequest('body', r.error);
  return r.data;
}

/** 422: the edited rules do not load; every problem, with where. */
function rejected(reply: FastifyReply, problems: RuleProblem[]) {
  return reply.status(422).send({ code: 'CBM_ERR_RULE_REJECTED', message: `${errorCodes.CBM_ERR_RULE_REJECTED.message}: ${problems.length} problem${problems.length === 1 ? '' : 's'}`, problems });
}

/**
 * A rule as the list shows it: where it applies, and its conditions (the page draws a threshold's
 * limit on the charts of the tags it reads).
 */
function view(r: RuleConfig, file: string, assets: string[], enabled: boolean) {
  return { id: r.id, name: r.name, description: r.description ?? null, file, priority: r.priority, group: r.group ?? r.id, assets, enabled, conditions: r.conditions, clear: r.clear ?? null, deadband: r.deadband };
}

/** The rules API (issue 17): list, files, validate, dry-run, save with hot reload, versions, rollback. */
export function registerRuleRoutes(app: FastifyInstance, d: RulesApiDeps): void {
  const files = d.ruleFiles;

  app.get('/api/rules', async () => {
    const running = d.rules().rules;
    return files.paths().flatMap((path) => {
      const file = files.idOf(path);
      const on = running.filter((r) => r.file === path).map((r) => view(r.rule, file, r.assets, true));
      const y = readYaml(path);
      const parsed = y.problems.length ? undefined : ruleFileSchema.safeParse(y.data);
      const off = (parsed?.success ? parsed.data.rules : [])
        .filter((r) => !r.enabled)
        .map((r) => view(r, file, [], false));
      return [...on, ...off];
    });
  });

  app.get('/api/rules/files', async () =>
    files.paths().map((path) => {
      const f = files.read(files.idOf(path));
      return { file: f.file, version: f.version, updatedAt: isoTime(f.updatedAt) };
    }),
  );

  app.get<{ Params: { file: string } }>('/api/rules/files/:file', async (req) => {
    const f = files.read(req.params.file);
    return { file: f.file, yaml: f.yaml, version: f.version, updatedAt: isoTime(f.updatedAt) };
  });

  app.post('/api/rules/validate', engineer, async (req) => {
    const body = parse(validateBody, req.body);
    return checkEdit(files, d.loaded, body).check;
  });

  app.post('/api/rules/dry-run', engineer, async (req, reply) => {
    const body = parse(dryRunBody, req.body);
    const history = d.history;
    if (!history) throw new CbmError('CBM_ERR_NOT_FOUND', 'local history is off (history.enabled: false in the site config): nothing to replay');
    const now = d.clock.now();
    const to = body.to ?? now;
    const from = body.from ?? to - 7 * DAY;
    if (!(from < to)) throw new CbmError('CBM_ERR_BAD_REQUEST', `body: expected from (${isoTime(from)}) before to (${isoTime(to)})`);
    const { check, result } = checkEdit(files, d.loaded, body, (candidate, c) => {
      const selected = [...new Set(c.rules.flatMap((r) => r.assets))].filter((a) => !body.assets || body.assets.includes(a));
      // 1-minute points while the range lies within their retention, hourly ones beyond.
      const resolution: Resolution = from >= now - history.retention.minutes ? '1m' : '1h';
      return dryRun({ loaded: d.loaded, history, catalog: d.catalog, candidate, assets: selected, from, to, resolution, value: body.value, now });
    });
    if (!check.ok) return rejected(reply, check.problems);
    return { ...result!, rules: check.rules, warnings: check.warnings };
  });

  /** Writes a new text, reloads, records the version and the audit entry; puts the file back when the reload fails. */
  const store = (reply: FastifyReply, id: string, yaml: string, actor: string, action: 'save' | 'rollback', expect?: string) => {
    const before = files.read(id);
    if (expect !== undefined && expect !== before.version) {
      return reply.status(409).send({
        code: 'CBM_ERR_RULE_STALE',
        message: `${id} changed since version ${expect} was read (it is ${before.version} now); read it again and reapply the edit`,
        version: before.version,
      });
    }
    if (yaml === before.yaml) return { file: id, version: before.version, changed: false };
    const { check } = checkEdit(files, d.loaded, { file: id, yaml });
    if (!check.ok) return rejected(reply, check.problems);
    files.replace(id, yaml);
    const reload = d.reloadRules();
    if (!reload.ok) {
      files.restore(id, before.yaml);
      d.reloadRules();
      return rejected(reply, reload.problems.map((message) => ({ file: id, line: null, column: null, path: '', message })));
    }
    const version = files.record(id, yaml, { actor, action });
    d.audit.record({ at: d.clock.now(), actor, action: `rule.${action}`, target: id, before: before.yaml, after: yaml });
    const running = d.rules();
    return { file: id, version, changed: true, rules: running.rules.length, instances: running.instances.length };
  };

  app.put<{ Params: { file: string } }>('/api/rules/files/:file', engineer, async (req, reply) => {
    const body = parse(saveBody, req.body);
    return store(reply, req.params.file, body.yaml, actorName(req), 'save', body.version);
  });

  app.get<{ Params: { file: string } }>('/api/rules/files/:file/versions', engineer, async (req) =>
    files.versions(req.params.file).map((v) => ({ version: v.version, at: isoTime(v.at), actor: v.actor, action: v.action })),
  );

  app.post<{ Params: { file: string } }>('/api/rules/files/:file/rollback', engineer, async (req, reply) => {
    const body = parse(rollbackBody, req.body);
    const yaml = files.yamlOf(req.params.file, body.version);
    if (yaml === undefined) throw new CbmError('CBM_ERR_NOT_FOUND', `no version ${body.version} of ${req.params.file} (GET /api/rules/files/${encodeURIComponent(req.params.file)}/versions lists them)`);
    return store(reply, req.params.file, yaml, actorName(req), 'rollback');
  });
}
