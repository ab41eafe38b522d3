import { createRequire } from 'node:module';
import { connect, createServer, type Socket } from 'node:net';
import { Aedes, type Client } from 'aedes';
import { afterAll, describe, expect, it } from 'vitest';
import { hookConnection, INTERNALS, missingInternals, READ_FROM, versionDrift } from '../../../src/sources/mqtt/aedes-internals.js';

/**
 * The canary: every aedes and mqtt-packet internal the embedded broker's fast path relies on is
 * still where aedes-internals.ts read it. A failure names the internal that moved and what it was
 * used for; fix the adapter (or give up the lane) before moving the pins.
 */
describe('aedes and mqtt-packet internals the fast path relies on', () => {
  const closers: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of closers.reverse()) await c();
  });

  /** A real aedes Client, as the broker's connection handler gets it. */
  async function realClient(): Promise<Client> {
    const aedes = await Aedes.createBroker();
    let client: Client | undefined;
    const server = createServer((s) => {
      client = aedes.handle(s);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const sock: Socket = connect(port, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    while (!client) await new Promise((r) => setTimeout(r, 5));
    closers.push(async () => {
      sock.destroy();
      await new Promise<void>((r) => aedes.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
    });
    return client;
  }

  it('are installed in the versions they were read from', () => {
    const drift = versionDrift();
    expect(drift, drift.join('\n')).toEqual([]);
    const pkg = createRequire(import.meta.url)('../../../package.json') as { dependencies: Record<string, string> };
    for (const [name, v] of Object.entries(READ_FROM)) expect(pkg.dependencies[name], `package.json pins ${name} exactly`).toBe(v);
  });

  it("are all on a fresh aedes client and its mqtt-packet parser", async () => {
    const missing = missingInternals(await realClient());
    expect(missing, missing.join('\n')).toEqual([]);
  });

  it('name the internal that moved, what it is for and the version it was read from', () => {
    // A client with every internal, then one taken away at a time.
    const fake = () => ({
      _parser: { parse() {}, emit() {}, _queue: [] as unknown[] | undefined, settings: {} as object | undefined, error: null as unknown } as Record<string, unknown>,
      pause: (() => undefined) as unknown,
      resume: () => undefined,
      _keepaliveInterval: -1 as number | undefined,
      _keepaliveTimer: null as unknown,
    });
    expect(missingInternals(fake())).toEqual([]);
    const cases: [string, (f: ReturnType<typeof fake>) => void][] = [
      ['Client._parser', (f) => (f._parser = { _queue: [], settings: {}, error: null })],
      ['Client._parser._queue', (f) => delete f._parser._queue],
      ['Client._keepaliveInterval', (f) => delete f._keepaliveInterval],
      ['Client._keepaliveTimer', (f) => delete (f as Record<string, unknown>)._keepaliveTimer],
      ['Client.pause', (f) => delete (f as Record<string, unknown>).pause],
      ['Parser.settings', (f) => delete f._parser.settings],
      ['Parser.error', (f) => delete f._parser.error],
    ];
    expect(cases.map(([n]) => n).sort()).toEqual(INTERNALS.map((i) => i.name).sort());
    for (const [name, take] of cases) {
      const f = fake();
      take(f);
      const internal = INTERNALS.find((i) => i.name === name)!;
      expect(missingInternals(f), name).toEqual([
        `${internal.owner} internal ${name} moved (read from ${internal.owner} ${READ_FROM[internal.owner]}; used for ${internal.usedFor})`,
      ]);
    }
    expect(missingInternals({})).toHaveLength(INTERNALS.length);
  });

  it('leave a connection whose client lacks one to aedes, reporting what moved', async () => {
    const client = await realClient();
    delete (client as unknown as Record<string, unknown>)._keepaliveTimer;
    const reported: string[][] = [];
    const hooks = hookConnection(client, () => () => true, (problems) => reported.push(problems));
    expect(hooks).toBeUndefined();
    expect(reported).toEqual([[expect.stringContaining('Client._keepaliveTimer')]]);
    // aedes's own parse is left in place.
    const parser = (client as unknown as { _parser: { parse: unknown } })._parser;
    expect(parser.parse).toBe(Object.getPrototypeOf(parser).parse);
  });
});
