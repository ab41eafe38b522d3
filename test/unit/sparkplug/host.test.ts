import { describe, expect, it } from 'vitest';
import { SparkplugHost } from '../../../src/sources/sparkplug/host.js';
import { parseTopic } from '../../../src/sparkplug/topic.js';

const tags = new Map([['m-1/temp', 0], ['m-1/rpm', 1]]);
const host = () => new SparkplugHost([{ node: 'N', device: 'D', asset: 'm-1', metrics: { 'Motor/Speed': 'rpm' } }], (k) => tags.get(k));
const t = (s: string) => parseTopic(`spBv1.0/G/${s}`)!;

describe('Sparkplug host state', () => {
  it('a late NDEATH of an earlier session (other bdSeq) leaves the current one up', () => {
    const h = host();
    h.handle(t('NBIRTH/N'), { seq: 0, metrics: [{ name: 'bdSeq', type: 'UInt64', value: 7 }] }, 0);
    h.handle(t('DBIRTH/N/D'), { seq: 1, metrics: [{ name: 'temp', alias: 5, type: 'Double', value: 1 }] }, 0);
    expect(h.handle(t('NDEATH/N'), { metrics: [{ name: 'bdSeq', type: 'UInt64', value: 6 }] }, 0).online).toBeUndefined();
    expect(h.handle(t('DDATA/N/D'), { seq: 2, metrics: [{ alias: 5, type: 'Double', value: 2 }] }, 0).samples).toHaveLength(1);
    expect(h.handle(t('NDEATH/N'), { metrics: [{ name: 'bdSeq', type: 'UInt64', value: 7 }] }, 0).online).toBe(false);
    expect(h.handle(t('DDATA/N/D'), { seq: 3, metrics: [{ alias: 5, type: 'Double', value: 3 }] }, 0)).toMatchObject({ samples: [], rebirth: true });
  });

  it('maps by the config first, then by name; DATA by name works without aliases; timestamps fall back to the payload then now', () => {
    const h = host();
    h.handle(t('NBIRTH/N'), { seq: 0, metrics: [{ name: 'bdSeq', type: 'UInt64', value: 0 }] }, 0);
    const b = h.handle(t('DBIRTH/N/D'), { seq: 1, timestamp: 50, metrics: [{ name: 'Motor/Speed', type: 'Int32', value: 1450 }, { name: 'temp', type: 'Float', value: 20, timestamp: 40 }, { name: 'temp2', type: 'Float', value: 1 }] }, 99);
    expect(b.samples).toEqual([
      { tag: 'm-1/rpm', index: 1, ts: 50, value: 1450, quality: 'Good' },
      { tag: 'm-1/temp', index: 0, ts: 40, value: 20, quality: 'Good' },
    ]);
    expect(h.c.unmappedMetrics).toBe(1);
    const d = h.handle(t('DDATA/N/D'), { seq: 2, metrics: [{ name: 'temp', type: 'Float', value: 21 }, { name: 'temp', type: 'Float', value: null }] }, 99);
    expect(d.samples).toEqual([{ tag: 'm-1/temp', index: 0, ts: 99, value: 21, quality: 'Good' }]);
    expect(h.c.skippedValues).toBe(1);
  });

  it('a DDEATH takes the device down; its data then counts as before birth', () => {
    const h = host();
    h.handle(t('NBIRTH/N'), { seq: 0, metrics: [] }, 0);
    h.handle(t('DBIRTH/N/D'), { seq: 1, metrics: [{ name: 'temp', alias: 1, type: 'Double', value: 1 }] }, 0);
    expect(h.handle(t('DDEATH/N/D'), { seq: 2, metrics: [] }, 0).online).toBe(false);
    expect(h.handle(t('DDATA/N/D'), { seq: 3, metrics: [{ alias: 1, type: 'Double', value: 2 }] }, 0).rebirth).toBe(true);
    expect(h.c).toMatchObject({ deaths: 1, dataBeforeBirth: 1, seqGaps: 0 });
  });
});
