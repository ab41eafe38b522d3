import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { FastifyInstance } from 'fastify';
import { randomBytes } from 'node:crypto';
import type { Role } from '../../gateway/access.js';
import { buildApi } from '../../gateway/api.js';
import { defaultApiSettings } from '../../gateway/api-settings.js';
import { Gateway } from '../../gateway/gateway.js';
import type { ScryptParams } from '../../gateway/passwords.js';
import type { Clock } from '../../src/core/clock.js';
import { silentLogger, type Logger } from '../../src/core/logger.js';
import { loadConfig } from '../../src/config/load.js';
import type { ApiConfig, SiteConfigInput } from '../../src/config/schema.js';
import type { RuleConfig } from '../../src/rules/schema.js';
import { MqttSource } from '../../src/sources/mqtt/source.js';
import { tempDir } from './servers.js';

export type RuleInput = Omit<Partial<RuleConfig>, 'onDelay' | 'offDelay' | 'workOrder'> & {
  id: string;
  onDelay?: string | number;
  offDelay?: string | number;
  workOrder: Partial<RuleConfig['workOrder']> & { title: string };
};

/** Writes a config and its rules into a fresh folder and returns the config path. */
export function writeSite(config: Omit<SiteConfigInput, 'rules'>, rules: RuleInput[], dir = tempDir('site')): { dir: string; file: string } {
  mkdirSync(join(dir, 'rules'), { recursive: true });
  writeFileSync(join(dir, 'rules', 'rules.yaml'), stringify({ rules }));
  const file = join(dir, 'site.yaml');
  writeFileSync(file, stringify({ ...config, rules: ['rules'] }));
  return { dir, file };
}

/** Cheap password hashing for tests (the stored hash names its parameters; production uses OWASP's). */
export const TEST_SCRYPT: ScryptParams = { N: 1024, r: 8, p: 1 };

export async function startGateway(file: string, opts: { clock?: Clock; log?: Logger; env?: NodeJS.ProcessEnv; monotonic?: () => number } = {}): Promise<Gateway> {
  const gw = new Gateway(loadConfig(file, opts.env ?? process.env), { log: opts.log ?? silentLogger, clock: opts.clock, env: opts.env, apiPort: 0, scrypt: TEST_SCRYPT, ...(opts.monotonic ? { monotonic: opts.monotonic } : {}) });
  await gw.start();
  return gw;
}

export function brokerPort(gw: Gateway, sourceId: string): number {
  const s = gw.source(sourceId);
  if (!(s instanceof MqttSource) || s.brokerPort === undefined) throw new Error(`no embedded broker on source ${sourceId}`);
  return s.brokerPort;
}

/**
 * A one-line pump site: `n` pumps with a bearing temperature tag each. Its API runs without
 * authentication (`api.auth: none`) unless `extra.api` says `auth: 'users'`, so tests that read
 * the listening API need no credentials.
 */
export function pumpSite(n: number, extra: Partial<SiteConfigInput> = {}): Omit<SiteConfigInput, 'rules'> {
  const { api, ...rest } = extra;
  return {
    gateway: { id: 'test-gw', dataDir: './data', logLevel: 'silent' },
    site: { id: 'plant', name: 'Test plant' },
    areas: [{ id: 'area', name: 'Area', lines: [{ id: 'line', name: 'Line' }] }],
    assets: Array.from({ length: n }, (_, i) => ({
      id: `p-${i + 1}`,
      name: `Pump ${i + 1}`,
      class: 'pump',
      line: 'area/line',
      serialNumber: `SN-${1000 + i}`,
      tags: [
        { id: 'bearing_temp', unit: 'degC', range: { min: -40, max: 200 } },
        { id: 'vibration', unit: 'mm/s', range: { min: 0, max: 100 } },
      ],
    })),
    ...rest,
    api: { auth: 'none', ...api },
  };
}

export const bearingRule: RuleInput = {
  id: 'bearing-hot',
  name: 'Bearing hot',
  selector: { class: 'pump' },
  priority: 2,
  conditions: { all: [{ fact: 'bearing_temp', operator: 'greaterThan', value: 80 }] },
  deadband: 5,
  workOrder: { title: 'Bearing {{value.bearing_temp}} °C on {{asset.name}}', description: 'limit {{limit.bearing_temp}}', safety: ['LOTO'], parts: [{ number: 'SKF-6205', quantity: 1 }] },
};

const apis = new WeakMap<Gateway, FastifyInstance>();

/**
 * The gateway's API, built from its view without listening (fastify's `inject()` pattern); one per
 * gateway. Authentication is off (`api.auth: none`): for tests about what the routes do.
 */
export function apiOf(gw: Gateway): FastifyInstance {
  let api = apis.get(gw);
  if (!api) apis.set(gw, (api = buildApi(gw.view, defaultApiSettings({ auth: 'none' }))));
  return api;
}

/**
 * The gateway's API with authentication on, and an API token of `role` (made in the gateway's
 * store) to send as `authorization`. For tests of who may do what.
 */
export function securedApiOf(gw: Gateway, role: Role = 'admin', api: Partial<Omit<ApiConfig, 'tls'>> = {}): { api: FastifyInstance; authorization: string } {
  const t = gw.view.access.tokens.create({ name: `test-${role}-${randomBytes(3).toString('hex')}`, role, createdBy: 'test' });
  return { api: buildApi(gw.view, defaultApiSettings({ ...api, auth: 'users' })), authorization: `Bearer ${t.token}` };
}
