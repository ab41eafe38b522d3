import { describe, expect, it } from 'vitest';
import { LaneGrants } from '../../../src/sources/mqtt/lane-grants.js';

/** A socket read holding `topic` between other bytes, as the lane sees it. */
function read(topic: string): [Buffer, number, number] {
  const t = Buffer.from(topic, 'utf8');
  return [Buffer.concat([Buffer.from([0x30, 0x10, 0x00, t.length]), t, Buffer.from('{"v":1}')]), 4, 4 + t.length];
}

describe('lane grants', () => {
  it('answers a connection only for the topics it was granted, each resolved once for all connections', () => {
    const g = new LaneGrants<string>(1000);
    const a = LaneGrants.none();
    const b = LaneGrants.none();
    const resolved: string[] = [];
    const resolve = (t: string) => (resolved.push(t), `route:${t}`);
    for (let i = 0; i < 100; i++) g.grant(a, `s/a${i}`, resolve);
    g.grant(b, 's/a7', resolve);
    g.grant(b, 's/b', resolve);
    expect(resolved.length).toBe(101); // s/a7 resolved when a was granted it, not again for b
    expect(g.lookup(a, ...read('s/a99'))).toBe('route:s/a99');
    expect(g.lookup(a, ...read('s/a7'))).toBe('route:s/a7');
    expect(g.lookup(b, ...read('s/a7'))).toBe('route:s/a7');
    // Known to the table (granted to b) but never to a; and the other way round.
    expect(g.lookup(a, ...read('s/b'))).toBeUndefined();
    expect(g.lookup(b, ...read('s/a8'))).toBeUndefined();
    expect(g.lookup(b, ...read('s/a99'))).toBeUndefined(); // an entry past b's bits
    expect(g.lookup(a, ...read('s/a100'))).toBeUndefined(); // nobody's
    expect(g.lookup(LaneGrants.none(), ...read('s/a1'))).toBeUndefined();
  });

  it('forgets every connection’s grants when the table starts again, and grants anew after', () => {
    const g = new LaneGrants<string>(50);
    const a = LaneGrants.none();
    const b = LaneGrants.none();
    const id = (t: string) => t;
    g.grant(b, 'keep', id);
    for (let i = 0; i < 49; i++) g.grant(a, `t${i}`, id);
    expect(g.lookup(b, ...read('keep'))).toBe('keep');
    g.grant(a, 'one-too-many', id); // the 51st topic: the table starts again with it
    expect(g.size).toBe(1);
    expect(g.lookup(a, ...read('one-too-many'))).toBe('one-too-many');
    expect(g.lookup(a, ...read('t0'))).toBeUndefined();
    // b's bit 0 was 'keep'; entry 0 is now 'one-too-many', never granted to b.
    expect(g.lookup(b, ...read('one-too-many'))).toBeUndefined();
    expect(g.lookup(b, ...read('keep'))).toBeUndefined();
    g.grant(b, 'keep', id);
    expect(g.lookup(b, ...read('keep'))).toBe('keep');
    expect(g.lookup(b, ...read('one-too-many'))).toBeUndefined();
  });
});
