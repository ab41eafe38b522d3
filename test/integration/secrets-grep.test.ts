import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../gateway/api.js';
import { Gateway } from '../../gateway/gateway.js';
import { createLogger } from '../../gateway/log.js';
import { startOpcuaSimulator, type OpcuaSim } from '../../simulators/opcua/server.js';
import { loadConfig } from '../../src/config/load.js';
import { ProblemsError } from '../../src/config/problems.js';
import { pumpSite, writeSite } from '../helpers/gateway.js';
import { opcuaPki } from '../helpers/opcua.js';
import { freePort, startMosquitto, startVictoriaMetrics, waitFor, type Mosquitto, type VictoriaMetrics } from '../helpers/servers.js';

/**
 * Issue 18: a run configured with every kind of secret (plant broker password, InfluxDB token,
 * webhook secret and a URL with credentials, Maximo API key, SAP password, MaintainX token, an MQTT
 * target's password, OPC UA password, the status endpoint's secret), with the CMMS answering 500
 * and echoing every request header back (the worst a proxy can do), then a grep for each secret,
 * as written and as it travels (URL-encoded, base64 in SAP's Basic header, JSON-escaped), over the
 * log, every GET route of the API, /metrics, the error messages and every file of the data folder.
 */
const SECRETS = {
  brokerPassword: 'Br0ker-pw-7f3a',
  influxToken: 'influx-tok-9c2d51',
  webhookSecret: 'hook-hmac-51be',
  webhookUrlPassword: 'url:pass/6e1',
  maximoApiKey: 'maximo-key-2b7f90',
  sapPassword: 'Sap-pw-4d8e!',
  maintainxToken: 'mx-token-83a1c5',
  mqttTargetPassword: 'cmms-mqtt-pw-0d4',
  opcuaPassword: 'opc-pw-ua-77e',
  statusSecret: 'status-hmac-3f09',
} as const;

/** Every form a secret can take on its way out. */
function forms(secret: string): string[] {
  return [secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1), Buffer.from(secret).toString('base64')];
}

/** Which secrets (by name) the text or bytes contain, in any form; SAP's Basic credentials too. */
function grep(haystack: string | Buffer, extra: Record<string, string> = {}): string[] {
  const text = typeof haystack === 'string' ? haystack : haystack.toString('latin1');
  const all = { ...SECRETS, ...extra };
  return Object.entries(all)
    .filter(([, s]) => forms(s).some((f) => text.includes(f)))
    .map(([k]) => k);
}

/** The GET routes of fastify's route tree print (`└── api/assets/:id (GET)`, children indented by 4). */
function getRoutes(tree: string): string[] {
  const stack: string[] = [];
  const out: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^(.*?)(?:└── |├── )(\S+)(?: \(([^)]*)\))?/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    stack.push(m[2]!);
    if (m[3]?.split(', ').includes('GET')) out.push(stack.join(''));
  }
  return out;
}

const VIB = 'ns=2;s=DemoPlant.Utilities.CoolingWater.P-101.vibration';

describe('no secret leaves the gateway', () => {
  let mosq: Mosquitto;
  let vm: VictoriaMetrics;
  let opc: OpcuaSim;
  let echo: Server;
  let echoPort: number;
  let gw: Gateway;
  let dir: string;
  const log: string[] = [];
  const errors: string[] = [];

  beforeAll(async () => {
    mosq = await startMosquitto({ users: { gateway: SECRETS.brokerPassword, cmms: SECRETS.mqttTargetPassword } });
    vm = await startVictoriaMetrics();
    opc = await startOpcuaSimulator({ port: await freePort(), pkiDir: opcuaPki('server-secrets'), interval: 200, users: { operator: SECRETS.opcuaPassword }, allowAnonymous: false });
    // A CMMS (or proxy) that fails and echoes everything it was sent.
    echo = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => res.writeHead(500, { 'content-type': 'text/plain' }).end(`upstream error; you sent ${JSON.stringify(req.headers)} ${req.url} ${body}`));
    });
    echoPort = await freePort();
    await new Promise<void>((r) => echo.listen(echoPort, '127.0.0.1', r));

    const site = writeSite(
      pumpSite(1, {
        gateway: { id: 'gw-secrets', dataDir: './data', logLevel: 'debug' },
        assets: [{ id: 'p-1', name: 'Pump 1', class: 'pump', serialNumber: 'SN-1', tags: [{ id: 'bearing_temp', unit: 'degC', range: { min: -40, max: 200 } }, { id: 'vibration', unit: 'mm/s' }] }],
        areas: [],
        sources: [
          { id: 'plant', type: 'mqtt', url: mosq.url, username: 'gateway', passwordFile: 'secrets/broker', topics: [{ topic: 'plant/{asset}' }] } as never,
          {
            id: 'plc',
            type: 'opcua',
            endpoint: opc.endpoint,
            auth: { type: 'username', username: 'operator', password: '${OPCUA_PASSWORD}' },
            pkiDir: opcuaPki('client-secrets'),
            defaults: { samplingInterval: '200ms', publishingInterval: '200ms' },
            items: [{ asset: 'p-1', tag: 'vibration', nodeId: VIB }],
          },
        ],
        influx: { url: vm.url, tokenFile: 'secrets/influx', org: 'plant', bucket: 'cbm', flushInterval: 200 } as never,
        workOrders: {
          targets: [
            { id: 'hook', type: 'webhook', url: `http://ops:${encodeURIComponent(SECRETS.webhookUrlPassword)}@127.0.0.1:${echoPort}/wo`, secretFile: 'secrets/hook', timeout: 2000 } as never,
            { id: 'maximo', type: 'maximo', url: `http://127.0.0.1:${echoPort}`, apiKey: '${MAXIMO_KEY}', siteid: 'BEDFORD', timeout: 2000 },
            { id: 'sap', type: 'sap', url: `http://127.0.0.1:${echoPort}`, username: 'CBM', password: '${SAP_PASSWORD}', timeout: 2000 },
            { id: 'maintainx', type: 'maintainx', url: `http://127.0.0.1:${echoPort}`, apiKeyFile: 'secrets/maintainx', timeout: 2000 } as never,
            { id: 'central', type: 'mqtt', url: `mqtt://cmms:${encodeURIComponent(SECRETS.mqttTargetPassword)}@127.0.0.1:${mosq.port}` },
            // A wrong password: its refusal is an error message that must not carry it.
            { id: 'central-bad', type: 'mqtt', url: mosq.url, username: 'cmms', password: `${SECRETS.mqttTargetPassword}-old` },
          ],
          retry: { initialDelay: 200, maxDelay: 1000 },
          status: { secretFile: 'secrets/status' } as never,
        },
      }),
      [
        {
          id: 'bearing-hot',
          name: 'Bearing hot',
          selector: { class: 'pump' },
          priority: 2,
          conditions: { all: [{ fact: 'bearing_temp', operator: 'greaterThan', value: 80 }] },
          workOrder: { title: 'Bearing {{value.bearing_temp}} °C on {{asset.name}}' },
        },
      ],
    );
    dir = site.dir;
    const secrets = join(dir, 'secrets');
    (await import('node:fs')).mkdirSync(secrets);
    writeFileSync(join(secrets, 'broker'), `${SECRETS.brokerPassword}\n`);
    writeFileSync(join(secrets, 'influx'), `${SECRETS.influxToken}\n`);
    writeFileSync(join(secrets, 'hook'), SECRETS.webhookSecret);
    writeFileSync(join(secrets, 'maintainx'), `${SECRETS.maintainxToken}\n`);
    writeFileSync(join(secrets, 'status'), `${SECRETS.statusSecret}\n`);
    const env = { ...process.env, OPCUA_PASSWORD: SECRETS.opcuaPassword, MAXIMO_KEY: SECRETS.maximoApiKey, SAP_PASSWORD: SECRETS.sapPassword };
    const stream = new Writable({ write: (chunk: Buffer, _enc, cb) => (log.push(chunk.toString()), cb()) });
    gw = new Gateway(loadConfig(site.file, env), { log: createLogger('debug', 'cbm-gateway', stream), env, apiPort: 0 });
    await gw.start();
  });

  afterAll(async () => {
    await gw?.stop();
    await new Promise((r) => echo?.close(r));
    await Promise.all([mosq?.stop(), vm?.destroy(), opc?.stop()]);
  });

  it('configured with every kind of secret, the log, API answers, metrics, errors and store carry none of them', async () => {
    // The secrets are in use: the plant broker and the OPC UA server take the gateway in, the CMMS
    // MQTT broker takes its orders, InfluxDB (VictoriaMetrics) its lines.
    await waitFor('sources connected', () => gw.view.sources().every((s) => s.state === 'connected'), 40_000);
    const plant = await mqtt.connectAsync(mosq.url, { username: 'gateway', password: SECRETS.brokerPassword });
    await plant.publishAsync('plant/p-1', JSON.stringify({ bearing_temp: 97 }), { qos: 1 });
    await plant.endAsync();
    await waitFor('the order reached the CMMS broker', () => gw.view.outbox.list().some((r) => r.deliveries.some((d) => d.targetId === 'central' && d.state === 'delivered')), 20_000);
    // Every failing target has tried (the refused password for good, the others twice), its last error stored.
    await waitFor('failed attempts recorded', () => {
      const ds = gw.view.outbox.list().flatMap((r) => r.deliveries).filter((d) => d.targetId !== 'central');
      return ds.length === 5 && ds.every((d) => (d.attempts >= 2 || d.state === 'failed') && d.lastError) ? true : undefined;
    }, 30_000);
    await gw.flushTimeSeries();
    await waitFor('InfluxDB took lines', () => (gw.view.timeseries()?.written ?? 0) > 0, 10_000);

    // Every GET route of the API, built from the gateway's view, with real ids for its parameters.
    const api = buildApi(gw.view);
    await api.ready();
    const routes = getRoutes(api.printRoutes({ commonPrefix: false, method: 'GET' } as never));
    expect(routes).toEqual(expect.arrayContaining(['/api/health', '/api/work-orders', '/api/work-orders/:id', '/metrics']));
    const orderId = gw.view.outbox.list()[0]!.order.id;
    const answers: string[] = [];
    for (const r of routes) {
      if (r === '/api/events') continue; // a stream that never ends: its events are the alarms and orders checked below
      const url = r.replace(/:(\w+)/g, (_m, p: string) => (r.includes('work-orders') && p === 'id' ? orderId : r.includes('rules') ? 'bearing-hot' : 'p-1'));
      const res = await api.inject({ method: 'GET', url });
      answers.push(`${url} ${res.statusCode} ${res.body}`);
    }
    await api.close();
    const all = answers.join('\n');
    expect(all).toContain('HTTP 500 upstream error; you sent'); // the CMMS's echo is in there, redacted
    expect(all).toContain('http://ops:***@127.0.0.1'); // the webhook's URL in its deliveries' last error, the password masked
    expect(answers.find((a) => a.startsWith('/metrics '))).toContain('cbm_target_deliveries_total');

    // Error messages: what the dispatcher and the sources report, and a config error beside secrets.
    errors.push(...gw.view.outbox.list().flatMap((r) => r.deliveries.map((d) => d.lastError ?? '')), gw.view.dispatcher().lastError ?? '');
    errors.push(...gw.view.sources().map((s) => s.detail ?? ''), gw.view.timeseries()?.lastError ?? '');
    try {
      loadConfig('/x/site.yaml', {}, `gateway: { id: g }\nsite: { id: s, name: S }\ninflux: { url: "http://u:${SECRETS.influxToken}@h", token: "${SECRETS.influxToken}", bucket: b, typo: 1 }\n`);
    } catch (e) {
      expect(e).toBeInstanceOf(ProblemsError);
      errors.push((e as Error).message);
    }

    await gw.stop(); // the store closed: every page on disk
    const files = readdirSync(join(dir, 'data'), { recursive: true, withFileTypes: true }).filter((f) => f.isFile()).map((f) => join(f.parentPath, f.name));
    expect(files.some((f) => f.endsWith('gateway.db'))).toBe(true);
    const stored = Buffer.concat(files.map((f) => readFileSync(f)));

    const logText = log.join('');
    expect(logText).toContain('delivery failed; will retry'); // the log did record the failures
    expect({ log: grep(logText), api: grep(answers.join('\n')), errors: grep(errors.join('\n')), store: grep(stored) }).toEqual({ log: [], api: [], errors: [], store: [] });
    console.log(`secret grep: ${Object.keys(SECRETS).length} secrets × 4 forms over ${log.length} log lines, ${answers.length} GET answers (${routes.join(' ')}), ${errors.length} error messages, ${files.length} files (${stored.length} bytes): nothing found`);

    // The grep would find a secret planted on purpose: in a row of the store, and in a log line.
    const db = new Database(join(dir, 'data', 'gateway.db'));
    db.prepare('UPDATE deliveries SET last_error = ? WHERE target_id = ?').run(`planted ${SECRETS.sapPassword}`, 'sap');
    db.close();
    expect(grep(readFileSync(join(dir, 'data', 'gateway.db')))).toEqual(['sapPassword']);
    expect(grep(`${logText}{"msg":"token ${Buffer.from(SECRETS.influxToken).toString('base64')}"}`)).toEqual(['influxToken']);
  });
});
