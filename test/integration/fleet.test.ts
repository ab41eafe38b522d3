import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATEWAY_NODE_FLAGS } from '../../gateway/node-flags.js';
import { WebhookReceiver } from '../../simulators/cmms/webhook-receiver.js';
import { bearingRule, writeSite } from '../helpers/gateway.js';
import { spawnLogged, startMosquitto, startVictoriaMetrics, tempDir, waitFor, type Spawned, type VictoriaMetrics } from '../helpers/servers.js';
import { capture, decodeWire } from '../helpers/sparkplug.js';

/**
 * A fleet: three gateways (separate processes of the built CLI, own data dirs and ids; two share
 * site-1, split by area, the third runs site-2 with the same asset ids as site-1) against one
 * Mosquitto (plant telemetry in, status and Sparkplug out), one VictoriaMetrics and one webhook
 * CMMS. Every sample and order arrives once, keyed by site and gateway; a SIGKILLed gateway's
 * last will and NDEATH arrive; its restart re-births and re-sends nothing.
 */
const ROOT = join(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist/gateway/cli.js');
const PER_TAG = 20;

interface Member {
  gateway: string;
  site: string;
  area: string;
  assets: string[];
  file: string;
  proc?: Spawned;
}

let broker: Awaited<ReturnType<typeof startMosquitto>>;
let vm: VictoriaMetrics;
let cmms: WebhookReceiver;
const fleet: Member[] = [];

function siteConfig(m: Omit<Member, 'file'>, brokerUrl: string, vmUrl: string, cmmsUrl: string) {
  return {
    gateway: { id: m.gateway, dataDir: './data', logLevel: 'info' as const, watchRules: false },
    site: { id: m.site, name: `Site ${m.site}` },
    areas: [{ id: m.area, name: m.area, lines: [{ id: 'l1', name: 'Line 1' }] }],
    assets: m.assets.map((id) => ({ id, name: id, class: 'pump', line: `${m.area}/l1`, tags: [{ id: 'bearing_temp', unit: 'degC', range: { min: -40, max: 200 } }, { id: 'vibration', unit: 'mm/s', range: { min: 0, max: 100 } }] })),
    // A fixed client id: a persistent session, so the plant broker keeps QoS 1 telemetry for a gateway that is down.
    sources: [{ id: 'plant', type: 'mqtt' as const, url: brokerUrl, clientId: `plant-${m.site}-${m.gateway}`, qos: 1 as const, topics: [{ topic: `plant/${m.site}/${m.area}/{asset}/{tag}` }] }],
    influx: { url: vmUrl, bucket: 'cbm', flushInterval: 200 },
    workOrders: { targets: [{ id: 'cmms', type: 'webhook' as const, url: `${cmmsUrl}/work-orders` }], status: { pollInterval: 0 } },
    status: { url: brokerUrl, keepalive: '2s', interval: 0 },
    sparkplug: { url: brokerUrl, keepalive: '2s', publishInterval: 200 },
    api: { enabled: false },
  };
}

const start = (m: Member) => (m.proc = spawnLogged(process.execPath, [...GATEWAY_NODE_FLAGS, CLI, 'start', '--config', m.file], { cwd: ROOT }));

beforeAll(async () => {
  if (!existsSync(CLI)) {
    const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`build failed: ${r.stdout}${r.stderr}`);
  }
  [broker, vm] = await Promise.all([startMosquitto(), startVictoriaMetrics()]);
  cmms = new WebhookReceiver();
  await cmms.start();
  const members: Omit<Member, 'file'>[] = [
    { gateway: 'gw-a', site: 'site-1', area: 'north', assets: ['p-1', 'p-2'] },
    { gateway: 'gw-b', site: 'site-1', area: 'south', assets: ['p-3'] },
    { gateway: 'gw-c', site: 'site-2', area: 'north', assets: ['p-1', 'p-2'] },
  ];
  for (const m of members) fleet.push({ ...m, file: writeSite(siteConfig(m, broker.url, vm.url, cmms.url), [{ ...bearingRule, selector: { class: 'pump' } }], tempDir(`fleet-${m.gateway}`)).file });
});

afterAll(async () => {
  await Promise.all(fleet.map((m) => m.proc?.stop('SIGTERM')));
  await Promise.all([broker?.stop(), vm?.destroy(), cmms?.stop()]);
});

/** Publishes PER_TAG samples per tag (QoS 1) from `t0`, one hot bearing per asset in the first round. */
async function publishRound(client: mqtt.MqttClient, m: Member, t0: number, hot: boolean): Promise<number> {
  let n = 0;
  for (const asset of m.assets) {
    for (let i = 0; i < PER_TAG; i++) {
      const temp = hot && i === PER_TAG - 1 ? 95 : 40 + i / 10;
      await client.publishAsync(`plant/${m.site}/${m.area}/${asset}/bearing_temp`, JSON.stringify({ value: temp, ts: t0 + i * 10 }), { qos: 1 });
      await client.publishAsync(`plant/${m.site}/${m.area}/${asset}/vibration`, JSON.stringify({ value: 1 + i / 100, ts: t0 + i * 10 }), { qos: 1 });
      n += 2;
    }
  }
  return n;
}

/** The samples VictoriaMetrics holds per `site/gateway/asset/tag`, and whether any timestamp repeats. */
async function stored(): Promise<{ counts: Map<string, number>; duplicates: number }> {
  const series = await vm.export('{__name__="pump_value"}');
  const counts = new Map<string, number>();
  let duplicates = 0;
  for (const s of series) {
    const k = `${s.metric.site}/${s.metric.gateway}/${s.metric.asset}/${s.metric.tag}`;
    counts.set(k, (counts.get(k) ?? 0) + s.timestamps.length);
    duplicates += s.timestamps.length - new Set(s.timestamps).size;
  }
  return { counts, duplicates };
}

describe('a fleet of three gateways on one broker, one VictoriaMetrics, one CMMS', () => {
  it('every sample and order once, keyed by site and gateway; SIGKILL gives the will and NDEATH; a restart re-births and re-sends nothing', async () => {
    const began = Date.now();
    const central = await capture(broker.url, ['cbm/+/+/status', 'spBv1.0/#']);
    for (const m of fleet) start(m);
    await waitFor('three status births and NBIRTHs', () =>
      fleet.every((m) => central.of(`cbm/${m.site}/${m.gateway}/status`).some((x) => JSON.parse(x.payload.toString()).online === true) && central.of(`spBv1.0/${m.site}/NBIRTH/${m.gateway}`).length === 1) ? true : undefined,
    30_000);

    const plant = mqtt.connect(broker.url, { clientId: 'plant-publisher' });
    await waitFor('plant publisher', () => (plant.connected ? true : undefined));
    const t0 = Date.now() - 60_000;
    const expected = new Map<string, number>();
    for (const m of fleet) {
      await publishRound(plant, m, t0, true);
      for (const a of m.assets) for (const tag of ['bearing_temp', 'vibration']) expected.set(`${m.site}/${m.gateway}/${a}/${tag}`, PER_TAG);
    }
    const orders = fleet.reduce((n, m) => n + m.assets.length, 0);
    await waitFor('every order at the CMMS', () => (cmms.count === orders ? true : undefined), 20_000);
    await waitFor('every sample in VictoriaMetrics', async () => {
      const s = await stored();
      return [...expected].every(([k, n]) => s.counts.get(k) === n) ? s : undefined;
    }, 30_000, 500);

    // Keys carry the gateway: p-1 of site-1 and p-1 of site-2 made two orders, not one.
    const bodies = [...cmms.orders.values()].map((o) => o.body as { gatewayId: string; site: { id: string }; asset: { id: string } });
    expect(bodies.map((b) => `${b.site.id}/${b.gatewayId}/${b.asset.id}`).sort()).toEqual(['site-1/gw-a/p-1', 'site-1/gw-a/p-2', 'site-1/gw-b/p-3', 'site-2/gw-c/p-1', 'site-2/gw-c/p-2']);
    expect(cmms.posts).toBe(orders);
    // The edge nodes told the central broker about the orders as Sparkplug metrics too.
    const openFromSpb = central.of(/^spBv1\.0\/site-1\/DDATA\/gw-b\/p-3$/).length;
    expect(openFromSpb).toBeGreaterThan(0);

    // SIGKILL gw-b: the broker publishes its status will and its NDEATH.
    const b = fleet[1]!;
    const nb1 = decodeWire(central.of(`spBv1.0/site-1/NBIRTH/gw-b`)[0]!.payload).metrics.find((x) => x.name === 'bdSeq')!.longValue;
    const killedAt = Date.now();
    await b.proc!.stop('SIGKILL');
    const lwt = await waitFor('status will', () => central.of('cbm/site-1/gw-b/status').find((x) => x.at >= killedAt && JSON.parse(x.payload.toString()).online === false), 10_000);
    const ndeath = await waitFor('NDEATH will', () => central.of('spBv1.0/site-1/NDEATH/gw-b')[0], 10_000);
    expect(JSON.parse(lwt.payload.toString())).toMatchObject({ online: false, gatewayId: 'gw-b', site: { id: 'site-1' }, reason: 'connection lost' });
    expect(decodeWire(ndeath.payload).metrics.find((x) => x.name === 'bdSeq')!.longValue).toBe(nb1);
    const lwtMs = lwt.at - killedAt;
    const ndeathMs = ndeath.at - killedAt;

    // While it is down the plant goes on publishing; its persistent session keeps the QoS 1 messages.
    await publishRound(plant, b, t0 + 10_000, false);
    for (const a of b.assets) for (const tag of ['bearing_temp', 'vibration']) expected.set(`${b.site}/${b.gateway}/${a}/${tag}`, 2 * PER_TAG);

    const restartedAt = Date.now();
    start(b);
    const nbirth = await waitFor('NBIRTH after restart', () => central.of('spBv1.0/site-1/NBIRTH/gw-b').find((x) => x.at >= restartedAt), 20_000);
    expect(decodeWire(nbirth.payload).metrics.find((x) => x.name === 'bdSeq')!.longValue).toBe((nb1! + 1) % 256);
    const reborn = decodeWire((await waitFor('DBIRTH after restart', () => central.of('spBv1.0/site-1/DBIRTH/gw-b/p-3').find((x) => x.at >= restartedAt))).payload);
    expect(reborn.metrics.find((x) => x.name === 'WorkOrders/Open')?.intValue).toBe(1);
    await waitFor('status online again', () => central.of('cbm/site-1/gw-b/status').find((x) => x.at >= restartedAt && JSON.parse(x.payload.toString()).online === true), 20_000);
    const final = await waitFor('the queued samples, once', async () => {
      const s = await stored();
      return [...expected].every(([k, n]) => s.counts.get(k) === n) ? s : undefined;
    }, 30_000, 500);
    expect(final.duplicates).toBe(0);
    expect([...final.counts.keys()].sort()).toEqual([...expected.keys()].sort());
    // Nothing was sent to the CMMS again.
    await new Promise((r) => setTimeout(r, 1500));
    expect(cmms.posts).toBe(orders);
    expect(cmms.replays).toBe(0);

    // A frozen gateway (SIGSTOP: the socket stays open, nothing is sent, as on a cut cable): only
    // the keep-alive tells the broker, after 1.5 x 2 s. On SIGCONT mqtt.js finds the connection
    // gone and reconnects: a new session, so the next bdSeq, and a new birth.
    const c = fleet[2]!;
    const bdC = decodeWire(central.of('spBv1.0/site-2/NBIRTH/gw-c')[0]!.payload).metrics.find((x) => x.name === 'bdSeq')!.longValue!;
    const frozenAt = Date.now();
    process.kill(c.proc!.proc.pid!, 'SIGSTOP');
    const lwtC = await waitFor('frozen gateway: status will', () => central.of('cbm/site-2/gw-c/status').find((x) => x.at >= frozenAt && JSON.parse(x.payload.toString()).online === false), 15_000);
    const ndC = await waitFor('frozen gateway: NDEATH', () => central.of('spBv1.0/site-2/NDEATH/gw-c')[0], 15_000);
    expect(decodeWire(ndC.payload).metrics.find((x) => x.name === 'bdSeq')!.longValue).toBe(bdC);
    process.kill(c.proc!.proc.pid!, 'SIGCONT');
    const nbC2 = await waitFor('thawed gateway: NBIRTH', () => central.of('spBv1.0/site-2/NBIRTH/gw-c').find((x) => x.at >= lwtC.at), 20_000);
    expect(decodeWire(nbC2.payload).metrics.find((x) => x.name === 'bdSeq')!.longValue).toBe((bdC + 1) % 256);
    await waitFor('thawed gateway: online', () => central.of('cbm/site-2/gw-c/status').find((x) => x.at >= lwtC.at && JSON.parse(x.payload.toString()).online === true), 20_000);
    expect(cmms.posts).toBe(orders);
    // The reconnected session registered a will with its own bdSeq, so its death pairs with its birth.
    const killedC = Date.now();
    await c.proc!.stop('SIGKILL');
    const ndC2 = await waitFor('NDEATH of the second session', () => central.of('spBv1.0/site-2/NDEATH/gw-c').find((x) => x.at >= killedC), 10_000);
    expect(decodeWire(ndC2.payload).metrics.find((x) => x.name === 'bdSeq')!.longValue).toBe((bdC + 1) % 256);

    const samples = [...final.counts.values()].reduce((a, n) => a + n, 0);
    console.log(`fleet: ${samples} samples in ${final.counts.size} series, ${cmms.count} orders (${cmms.posts} POSTs); after SIGKILL: status will ${lwtMs} ms, NDEATH ${ndeathMs} ms; after SIGSTOP: status will ${lwtC.at - frozenAt} ms, NDEATH ${ndC.at - frozenAt} ms (keep-alive 2 s); whole test ${Date.now() - began} ms`);
    plant.end(true);
    await central.close();
  });
});
