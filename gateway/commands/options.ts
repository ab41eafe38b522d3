import type { OptionSpec } from './command.js';

/** `--config FILE`, the site configuration most commands read. */
export const configOption = { type: 'string', short: 'c', value: 'FILE', description: 'site configuration file (default: $CBM_CONFIG)' } as const satisfies OptionSpec;

export const jsonOption = { type: 'boolean', description: 'print JSON instead of a table' } as const satisfies OptionSpec;

export const configNote = 'Environment: CBM_CONFIG names the configuration when --config is not given.';
