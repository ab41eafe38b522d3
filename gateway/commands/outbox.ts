import { existsSync } from 'node:fs';
import { loadConfig, resolveFrom } from '../../src/config/load.js';
import { CbmError } from '../../src/core/errors.js';
import { openStore, type Db } from '../../src/store/db.js';
import { DELIVERY_STATES, Outbox, type DeliveryState } from '../../src/workorders/outbox.js';
import { defineCommand, UsageError, type Command } from './command.js';
import { configNote, configOption, jsonOption } from './options.js';
import { reportError } from './report.js';

/**
 * Opens the site's outbox straight from its SQLite file. Safe while the gateway runs: WAL lets
 * this reader/writer in beside it, and `busy_timeout` waits out the gateway's short commits. A
 * retried order is picked up by the running dispatcher at its next look (at most 5 s).
 */
function withOutbox<T>(file: string, fn: (outbox: Outbox, db: Db) => T): T {
  const loaded = loadConfig(file);
  const path = resolveFrom(resolveFrom(loaded.baseDir, loaded.config.gateway.dataDir), 'gateway.db');
  if (!existsSync(path)) throw new CbmError('CBM_ERR_NOT_FOUND', `no outbox at ${path} (has the gateway run with this config?)`);
  const db = openStore(path);
  try {
    return fn(new Outbox(db), db);
  } finally {
    db.close();
  }
}

const iso = (t: number | null) => (t ? new Date(t).toISOString() : '-');

const listCommand = defineCommand({
  words: ['outbox', 'list'],
  usage: 'outbox list --config FILE [--state S] [--asset ID] [--limit N] [--json]',
  summary: 'list work orders with each delivery state, attempts and last error (newest first)',
  options: {
    config: configOption,
    state: { type: 'string', value: 'S', description: `only orders with a delivery in this state: ${DELIVERY_STATES.join(' | ')}` },
    asset: { type: 'string', value: 'ID', description: "only this asset's orders" },
    limit: { type: 'string', value: 'N', description: 'at most this many orders (default: 100)' },
    json: jsonOption,
  },
  notes: [configNote],
  async run({ values }) {
    const file = values.config ?? process.env.CBM_CONFIG;
    if (!file) throw new UsageError('outbox list needs --config FILE');
    if (values.state !== undefined && !DELIVERY_STATES.includes(values.state as DeliveryState)) throw new UsageError(`--state must be one of ${DELIVERY_STATES.join(', ')}`);
    try {
      const rows = withOutbox(file, (o) => o.list({ state: values.state as DeliveryState | undefined, assetId: values.asset, limit: Number(values.limit ?? 100) || 100 }));
      if (values.json) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return 0;
      }
      for (const r of rows) {
        process.stdout.write(`${r.order.id}  ${r.order.idempotencyKey}  ${r.order.asset.id}  ${r.order.rule.id}#${r.order.rule.episode}  status=${r.status}  created=${r.order.createdAt}  ${r.order.title}\n`);
        for (const d of r.deliveries) {
          process.stdout.write(`    ${d.targetId}: ${d.state} attempts=${d.attempts}${d.externalId ? ` external=${d.externalId}` : ''}${d.state === 'pending' ? ` next=${iso(d.nextAt)}` : ''}${d.lastError ? ` last error: ${d.lastError}` : ''}\n`);
        }
      }
      process.stdout.write(`${rows.length} work order(s)\n`);
      return 0;
    } catch (e) {
      reportError(e);
      return 1;
    }
  },
});

function commandOn(verb: 'retry' | 'cancel', summary: string): Command {
  return defineCommand({
    words: ['outbox', verb],
    usage: `outbox ${verb} --config FILE ID...`,
    summary,
    options: { config: configOption },
    positionals: true,
    notes: ['Arguments: ID... work orders by order id, idempotency key or the CMMS external id.', configNote],
    async run({ values, positionals }) {
      const file = values.config ?? process.env.CBM_CONFIG;
      if (!file) throw new UsageError(`outbox ${verb} needs --config FILE`);
      if (positionals.length === 0) throw new UsageError(`outbox ${verb} needs at least one order id, idempotency key or external id`);
      try {
        let bad = 0;
        withOutbox(file, (o) => {
          for (const ref of positionals) {
            const r = verb === 'retry' ? o.retry(ref, Date.now()) : o.cancel(ref, Date.now());
            if (!r) {
              bad++;
              process.stderr.write(`${ref}: no such work order\n`);
            } else if (r.changed === 0) {
              bad++;
              process.stderr.write(`${ref}: nothing to ${verb} (every delivery is delivered or cancelled)\n`);
            } else process.stdout.write(`${ref}: ${verb === 'retry' ? 'retrying' : 'cancelled'} ${r.changed} deliver${r.changed === 1 ? 'y' : 'ies'} of ${r.orderId}\n`);
          }
        });
        return bad === 0 ? 0 : 1;
      } catch (e) {
        reportError(e);
        return 1;
      }
    },
  });
}

/** `cbm-gateway outbox list|retry|cancel`: the operator's view of what is stuck, from the shell. */
export const outboxCommands: Command[] = [
  listCommand,
  commandOn('retry', 'send failed or dead-lettered orders again now (attempts start afresh)'),
  commandOn('cancel', 'stop delivering orders that are pending, failed or dead'),
];
