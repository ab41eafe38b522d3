import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { loadConfig } from '../../src/config/load.js';
import { Gateway } from '../gateway.js';
import { createLogger } from '../log.js';
import { defineCommand, UsageError } from './command.js';
import { configOption, configNote } from './options.js';
import { reportError } from './report.js';

export const startCommand = defineCommand({
  words: ['start'],
  usage: 'start --config FILE',
  summary: 'run the gateway until SIGINT or SIGTERM, then stop cleanly',
  options: { config: configOption },
  notes: [configNote],
  async run({ values }) {
    const file = values.config ?? process.env.CBM_CONFIG;
    if (!file) throw new UsageError('start needs --config FILE');
    let gw: Gateway;
    let log: ReturnType<typeof createLogger>;
    try {
      const loaded = loadConfig(file);
      log = createLogger(loaded.config.gateway.logLevel);
      gw = new Gateway(loaded, { log });
      await gw.start();
      releaseStartupGarbage();
    } catch (e) {
      reportError(e);
      return 1;
    }
    return new Promise<number>((resolve) => {
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info({ signal }, 'stopping');
        gw.stop().then(
          () => resolve(0),
          () => resolve(1),
        );
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
    });
  },
});

/**
 * Loading a site and its rules (YAML kept with source positions for error messages, zod) leaves
 * most of what it allocated as garbage in V8's old generation, which V8 collects only under
 * memory pressure: with 10,000 tags and 10,000 rules the process kept 420 MB of RSS, 66 MB of it
 * live. Two full collections once start-up is done (the second lets V8 shrink the heap it no
 * longer needs) bring it to ~185 MB, and later major GCs walk a smaller heap. `gc` is not exposed
 * without `--expose-gc`; the flag can be set at run time and the function taken from a new context.
 */
function releaseStartupGarbage(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
}
