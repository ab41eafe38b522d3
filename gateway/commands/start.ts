import { parseArgs } from 'node:util';
import { loadConfig } from '../../src/config/load.js';
import { Gateway } from '../gateway.js';
import { createLogger } from '../log.js';
import { UsageError, type Command } from './command.js';
import { reportError } from './report.js';

export const startCommand: Command = {
  words: ['start'],
  usage: 'start --config FILE',
  summary: 'run the gateway until SIGINT or SIGTERM, then stop cleanly',
  async run(args) {
    const { values } = parseArgs({ args, options: { config: { type: 'string', short: 'c' } } });
    const file = values.config ?? process.env.CBM_CONFIG;
    if (!file) throw new UsageError('start needs --config FILE');
    let gw: Gateway;
    try {
      const loaded = loadConfig(file);
      gw = new Gateway(loaded, { log: createLogger(loaded.config.gateway.logLevel) });
      await gw.start();
    } catch (e) {
      reportError(e);
      return 1;
    }
    return new Promise<number>((resolve) => {
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        gw.log.info({ signal }, 'stopping');
        gw.stop().then(
          () => resolve(0),
          () => resolve(1),
        );
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
    });
  },
};
