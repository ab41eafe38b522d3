import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { siteConfigSchema, type SiteConfig } from './schema.js';
import { registerConfigSecrets } from './secrets.js';
import { loadYamlWith } from './yaml-file.js';

export interface LoadedConfig {
  file: string;
  /** Folder of the config file: relative paths inside it resolve from here. */
  baseDir: string;
  config: Readonly<SiteConfig>;
}

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

/**
 * Loads, interpolates and validates a site configuration; the result is frozen, and its secrets
 * are registered for redaction from logs, errors and answers.
 */
export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env, text?: string): LoadedConfig {
  const abs = resolve(file);
  const baseDir = dirname(abs);
  const config = loadYamlWith(siteConfigSchema, abs, 'CBM_ERR_CONFIG_INVALID', env, text, (cfg, at) => {
    // A rule file that is not there is the config's problem: said at the line that names it.
    cfg.rules.forEach((r, i) => {
      if (!existsSync(resolveFrom(baseDir, r))) at(['rules', i], `no rule file or folder ${resolveFrom(baseDir, r)}`);
    });
  });
  registerConfigSecrets(config);
  return { file: abs, baseDir, config: deepFreeze(config) };
}

export function resolveFrom(baseDir: string, p: string): string {
  return isAbsolute(p) ? p : resolve(baseDir, p);
}
