import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WebhookReceiver } from '../../simulators/cmms/webhook-receiver.js';
import { bearingRule, pumpSite, writeSite } from '../helpers/gateway.js';
import { freePort, spawnLogged, waitFor, type Spawned } from '../helpers/servers.js';

const CLI = ['--import', 'tsx', join(import.meta.dirname, '../../gateway/cli.ts')];
const KILLS = 6;
const ASSETS = 4;

/**
 * A slow link in front of the receiver: forwards each POST, then holds the answer 0-200 ms, so
 * that some kills land after the CMMS stored an order but before the gateway recorded it (the
 * restarted gateway then sends it again and the receiver must see the same key). Upstream down → 502.
 */
function slowLink(upstreamPort: number): Promise<{ port: number; server: Server }> {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && !['host', 'content-length', 'connection'].includes(k)) headers[k] = v;
    let status = 502;
    let body = '{"error":"upstream down"}';
    try {
      const r = await fetch(`http://127.0.0.1:${upstreamPort}${req.url}`, { method: req.method, headers, body: Buffer.concat(chunks) });
      status = r.status;
      body = await r.text();
      await new Promise((r) => setTimeout(r, Math.random() * 200));
    } catch {
      // upstream flapped down
    }
    res.writeHead(status, { 'content-type': 'application/json' }).end(body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ port: (server.address() as { port: number }).port, server })));
}

/**
 * The worst day, compressed: the gateway process is SIGKILLed again and again while rules fire
 * (bearing temperatures over MQTT to its embedded broker) and the CMMS receiver flaps. After the
 * last restart, every work order in the outbox has reached the receiver, each key exactly once,
 * and the receiver holds no key the outbox does not.
 */
describe('gateway killed with SIGKILL while rules fire and the CMMS flaps', () => {
  const rx = new WebhookReceiver({ secret: 's' });
  let gw: Spawned | undefined;
  let flapping = true;
  let flapper: Promise<void> | undefined;
  let closeLink: (() => Promise<void>) | undefined;

  afterAll(async () => {
    flapping = false;
    await flapper;
    await gw?.stop('SIGKILL');
    await rx.stop();
    await closeLink?.();
  });

  it('delivers every order exactly once, none lost', { timeout: 120_000 }, async () => {
    const rxPort = await freePort();
    const mqttPort = await freePort();
    const link = await slowLink(rxPort);
    closeLink = () => {
      link.server.closeAllConnections();
      return new Promise((r) => link.server.close(() => r()));
    };
    const { dir, file } = writeSite(
      pumpSite(ASSETS, {
        gateway: { id: 'crash-gw', dataDir: './data', logLevel: 'info' },
        sources: [{ id: 'mq', type: 'mqtt', broker: { enabled: true, port: mqttPort, allowAnonymous: true }, topics: [{ topic: 'p/{asset}/{tag}' }] }],
        // Every raise is an order here: no flood guard.
        workOrders: { targets: [{ id: 'cmms', type: 'webhook', url: `http://127.0.0.1:${link.port}/wo`, secret: 's', timeout: 1000 }], retry: { initialDelay: 50, maxDelay: 400 }, concurrency: 4, flood: { count: 1_000_000 } },
        api: { port: 0 },
      }),
      // Raise on every excursion: no chattering or repeating hold-back, no consolidation (re-arm on clear).
      [{ ...bearingRule, rearm: 'clear', chatter: { count: 1000, window: 1000 }, repeating: { perHour: 1_000_000, perDay: 1_000_000 } }],
    );
    let up = false;
    const setUp = async (v: boolean) => {
      if (v === up) return;
      if (v) await rx.start(rxPort);
      else await rx.stop();
      up = v;
    };
    await setUp(true);
    // The CMMS flaps every 150-500 ms for the whole run; it stays up once the kills are over.
    flapper = (async () => {
      while (flapping) {
        await new Promise((r) => setTimeout(r, 150 + Math.random() * 350));
        if (flapping) await setUp(!up);
      }
      await setUp(true);
    })();

    let published = 0;
    for (let k = 0; k <= KILLS; k++) {
      gw = spawnLogged(process.execPath, [...CLI, 'start', '--config', file]);
      await waitFor('gateway started', () => (gw!.output().includes('gateway started') ? true : undefined), 30_000, 20);
      if (k === KILLS) break;
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { reconnectPeriod: 0 });
      client.on('error', () => {});
      // Publish excursions for a random while, then pull the plug mid-stream (no await on the last ones).
      const until = Date.now() + 300 + Math.random() * 900;
      let i = 0;
      while (Date.now() < until) {
        const asset = `p-${(i % ASSETS) + 1}`;
        const hot = Math.floor(i / ASSETS) % 2 === 0;
        await client.publishAsync(`p/${asset}/bearing_temp`, String(hot ? 90 : 60), { qos: 1 });
        published++;
        i++;
        await new Promise((r) => setTimeout(r, 10)); // a plant pace, and a drain that fits the test budget
      }
      for (let j = 0; j < 8; j++) void client.publishAsync(`p/p-${(j % ASSETS) + 1}/bearing_temp`, String(j % 2 ? 60 : 90), { qos: 1 }).catch(() => {});
      await new Promise((r) => setTimeout(r, Math.random() * 30));
      await gw.stop('SIGKILL');
      client.end(true);
    }

    flapping = false;
    await flapper;
    const db = new Database(join(dir, 'data', 'gateway.db'), { readonly: true, fileMustExist: true });
    const q = (sql: string) => db.prepare(sql).get() as { n: number };
    await waitFor('outbox drained', () => (q(`SELECT COUNT(*) AS n FROM deliveries WHERE state = 'pending'`).n === 0 ? true : undefined), 40_000, 100);
    const keys = (db.prepare('SELECT idem_key FROM work_orders').pluck().all() as string[]).sort();
    const episodes = db.prepare('SELECT COUNT(DISTINCT rule_id || asset_id || episode) AS n FROM work_orders').get() as { n: number };
    const states = db.prepare('SELECT state, COUNT(*) AS n FROM deliveries GROUP BY state').all();
    db.close();
    await gw!.stop('SIGTERM');

    const received = [...rx.orders.keys()].sort();
    process.stdout.write(
      `crash test: ${KILLS} SIGKILLs, ${published} samples published, ${keys.length} orders in the outbox, ${received.length} distinct keys received, ${rx.posts} POSTs (${rx.replays} re-sends answered as replays, ${rx.rejected} rejected)\n`,
    );
    expect(keys.length).toBeGreaterThanOrEqual(KILLS); // rules did fire throughout
    expect(episodes.n).toBe(keys.length); // one order per alarm episode
    expect(states).toEqual([{ state: 'delivered', n: keys.length }]);
    expect(received).toEqual(keys); // every order arrived, none unknown, each key once
    expect(rx.rejected).toBe(0);
  });
});
