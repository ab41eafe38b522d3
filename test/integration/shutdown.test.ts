import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { openStore } from '../../src/store/db.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/gateway.js';
import { siteConfigSchema } from '../../src/config/schema.js';
import { bearingRule, pumpSite, startGateway, writeSite } from '../helpers/gateway.js';
import { freePort } from '../helpers/servers.js';

/**
 * Issue 20: a clean stop drains the dispatcher within `gateway.shutdownTimeout`: orders due when
 * the stop begins reach a slow CMMS before the gateway is gone; a CMMS that never answers does
 * not hold the stop (the order stays pending for the next start).
 */
let gw: Gateway | undefined;
let server: Server | undefined;
afterEach(async () => {
  await gw?.stop();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  gw = server = undefined;
});

/** A CMMS that answers each POST after `delayMs`, or never. */
async function slowCmms(delayMs: number | 'never') {
  const received: string[] = [];
  const port = await freePort();
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push(String(req.headers['idempotency-key']));
      if (delayMs === 'never') return;
      setTimeout(() => res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: `WO-${received.length}` })), delayMs);
    });
  });
  await new Promise<void>((r) => server!.listen(port, '127.0.0.1', r));
  return { port, received };
}

async function gatewayTo(port: number, shutdownTimeout: string) {
  const { file, dir } = writeSite(
    pumpSite(3, {
      gateway: { id: 'gw', dataDir: './data', logLevel: 'silent', shutdownTimeout },
      api: { enabled: false },
      workOrders: { targets: [{ id: 'cmms', type: 'webhook', url: `http://127.0.0.1:${port}/wo`, timeout: '60s' }], concurrency: 1 },
    }),
    [bearingRule],
  );
  const g = await startGateway(file);
  /** Delivery states as the store holds them after the stop. */
  const deliveries = () => {
    const db = openStore(join(dir, 'data', 'gateway.db'));
    try {
      return Object.fromEntries((db.prepare('SELECT state, COUNT(*) AS n FROM deliveries GROUP BY state').all() as { state: string; n: number }[]).map((r) => [r.state, r.n]));
    } finally {
      db.close();
    }
  };
  return { g, deliveries };
}

describe('graceful shutdown', () => {
  it('delivers the orders due when the stop begins to a slow CMMS before it returns', async () => {
    const cmms = await slowCmms(200);
    const { g, deliveries } = await gatewayTo(cmms.port, '20s');
    gw = g;
    const now = Date.now();
    for (const a of ['p-1', 'p-2', 'p-3']) gw.ingest([{ tag: `${a}/bearing_temp`, ts: now, value: 95, quality: 'Good' }]);
    await gw.stop();
    expect(cmms.received).toHaveLength(3);
    expect(deliveries()).toEqual({ delivered: 3 });
  });

  it('a CMMS that never answers does not hold the stop: the order stays pending', async () => {
    const cmms = await slowCmms('never');
    const { g, deliveries } = await gatewayTo(cmms.port, '2s');
    gw = g;
    gw.ingest([{ tag: 'p-1/bearing_temp', ts: Date.now(), value: 95, quality: 'Good' }]);
    await gw.stop();
    expect(cmms.received).toHaveLength(1);
    expect(deliveries()).toEqual({ pending: 1 });
  });

  it('the default shutdown timeout stays under the service manager\'s stop timeout (deploy/: 30 s)', () => {
    const cfg = siteConfigSchema.parse({ gateway: { id: 'g' }, site: { id: 's', name: 'S' } });
    expect(cfg.gateway.shutdownTimeout).toBeLessThan(30_000);
  });
});
