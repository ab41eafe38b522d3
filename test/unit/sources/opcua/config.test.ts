import { describe, expect, it } from 'vitest';
import { opcuaSource } from '../../../../src/config/sources/opcua.js';
import { siteConfigSchema } from '../../../../src/config/schema.js';
import { planSubscriptions } from '../../../../src/sources/opcua/plan.js';
import { relativePath } from '../../../../src/sources/opcua/resolve.js';
import { certificateInfo, leafCertificate, normaliseThumbprint } from '../../../../src/sources/opcua/pki.js';

const base = { id: 'plc', type: 'opcua', endpoint: 'opc.tcp://plc:4840', items: [{ asset: 'p-1', tag: 'vib', nodeId: 'ns=2;s=P1.Vib' }] };
const problems = (input: unknown) => {
  const r = opcuaSource.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('opcua source config', () => {
  it('fills Kepware-like defaults', () => {
    const c = opcuaSource.parse(base);
    expect(c).toMatchObject({
      securityMode: 'None',
      securityPolicy: 'None',
      auth: { type: 'anonymous' },
      trustedServerCertificates: [],
      pkiDir: 'opcua/pki',
      sessionTimeout: 60_000,
      reconnect: { initialDelay: 1000, maxDelay: 30_000 },
      maxKeepAliveCount: 10,
      defaults: { samplingInterval: 1000, queueSize: 1, publishingInterval: 1000 },
    });
  });

  it('joins the site config union', () => {
    const site = (sources: unknown[]) =>
      siteConfigSchema.safeParse({ gateway: { id: 'g' }, site: { id: 's', name: 'S' }, assets: [{ id: 'p-1', name: 'P1', tags: [{ id: 'vib' }] }], sources });
    expect(site([base]).success).toBe(true);
    // An item naming a tag the asset does not define is a load error with its path.
    const bad = site([{ ...base, items: [{ asset: 'p-1', tag: 'vibe', nodeId: 'ns=2;s=P1.Vib' }] }]);
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['sources', 0, 'items', 0, 'tag']);
  });

  it('says what is wrong, all at once', () => {
    expect(
      problems({
        ...base,
        endpoint: 'http://plc',
        securityMode: 'SignAndEncrypt',
        auth: { type: 'username', username: 'op' },
        items: [
          { asset: 'p-1', tag: 'vib' },
          { asset: 'p-1', tag: 'vib', nodeId: 'x', browsePath: 'y', deadband: { type: 'percent', value: 120 } },
          { asset: 'p-1', tag: 't', nodeId: 'x', samplingInterval: 'fast' },
        ],
      }),
    ).toEqual([
      'endpoint: expected an endpoint URL such as opc.tcp://plc.local:4840',
      'auth.password: Invalid input: expected string, received undefined',
      'items.0.nodeId: expected exactly one of `nodeId` or `browsePath`',
      'items.1.deadband.value: expected a percent deadband between 0 and 100',
      'items.1.nodeId: expected exactly one of `nodeId` or `browsePath`',
      'items.2.samplingInterval: expected a duration such as 500ms, 5s, 10m, 1h or 2d, or a number of milliseconds; got "fast"',
    ]);
    expect(problems({ ...base, securityMode: 'Sign' })).toEqual(['securityPolicy: securityMode None goes with securityPolicy None, and Sign/SignAndEncrypt need a policy such as Basic256Sha256']);
    expect(problems({ ...base, securityPolicy: 'Basic128Rsa15' })[0]).toContain('expected securityPolicy None, Basic256Sha256');
    expect(problems({ ...base, items: [base.items[0], base.items[0]] })).toEqual(['items.1.tag: duplicate item for p-1/vib (first at items[0])']);
    expect(problems({ ...base, bogus: 1 })[0]).toContain('bogus');
  });
});

describe('subscription plan', () => {
  it('makes one subscription per publishing interval and one batch per monitoring parameter set', () => {
    const c = opcuaSource.parse({
      ...base,
      defaults: { publishingInterval: '1s', samplingInterval: '500ms' },
      items: [
        { asset: 'a', tag: 't1', nodeId: 'ns=2;s=1' },
        { asset: 'a', tag: 't2', nodeId: 'ns=2;s=2' },
        { asset: 'a', tag: 't3', nodeId: 'ns=2;s=3', deadband: { type: 'absolute', value: 0.5 } },
        { asset: 'a', tag: 't4', nodeId: 'ns=2;s=4', publishingInterval: '100ms', samplingInterval: '50ms' },
        { asset: 'a', tag: 't5', browsePath: '2:A/2:B', publishingInterval: 100, samplingInterval: 50 },
      ],
    });
    const plan = planSubscriptions(c);
    expect(plan.map((p) => [p.publishingInterval, p.itemCount, p.batches.map((b) => b.key)])).toEqual([
      [100, 2, ['50|1|-']],
      [1000, 3, ['500|1|-', '500|1|absolute:0.5']],
    ]);
    expect(plan[1]!.batches[1]!.items[0]).toMatchObject({ index: 2, tag: 'a/t3', deadband: { type: 'absolute', value: 0.5 } });
  });
});

describe('browse paths and thumbprints', () => {
  it('reads browse paths relative to Objects, as UaExpert copies them', () => {
    expect(relativePath('2:DemoPlant/2:P-101')).toBe('/2:DemoPlant/2:P-101');
    expect(relativePath('/Objects/2:DemoPlant')).toBe('/2:DemoPlant');
    expect(relativePath('0:Objects/2:DemoPlant')).toBe('/2:DemoPlant');
  });

  it('accepts thumbprints with colons, spaces or either case', () => {
    const tp = 'd7409d25db637dba35c6d08ba7dc50706c0068dd';
    expect(normaliseThumbprint('D7:40:9D:25:DB:63:7D:BA:35:C6:D0:8B:A7:DC:50:70:6C:00:68:DD')).toBe(tp);
    expect(normaliseThumbprint('d7 40 9d 25 db 63 7d ba 35 c6 d0 8b a7 dc 50 70 6c 00 68 dd')).toBe(tp);
    expect(normaliseThumbprint('certs/server.pem')).toBeUndefined();
  });

  it('takes the leaf of a DER chain', () => {
    const leaf = Buffer.from([0x30, 0x03, 1, 2, 3]);
    const long = Buffer.concat([Buffer.from([0x30, 0x82, 0x01, 0x00]), Buffer.alloc(256)]);
    expect(leafCertificate(Buffer.concat([leaf, long]))).toEqual(leaf);
    expect(leafCertificate(Buffer.concat([long, leaf])).length).toBe(260);
    expect(() => certificateInfo(Buffer.from('nope'))).toThrow();
  });
});
