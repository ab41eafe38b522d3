import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/core/logger.js';
import { InfluxWriter } from '../../../src/timeseries/influx.js';

const cfg = { enabled: true, url: 'http://unused', token: '', org: '', bucket: 'b', measurement: 'class' as const, batchSize: 10, flushInterval: 60_000, maxRetries: 0, maxBufferLines: 100, spill: { enabled: false, maxBytes: 1, replayBatch: 1 } };

describe('InfluxWriter global tags (fleet: site and gateway on every line)', () => {
  it('adds them, escaped, after asset and tag; without them the line is as before', async () => {
    const bodies: string[] = [];
    const send = async (body: string) => void bodies.push(body);
    const tagged = new InfluxWriter(cfg, { log: silentLogger, send, tags: { site: 'north plant', gateway: 'gw=1' } });
    tagged.write({ tag: 'p-1/t', ts: 5, value: 1.5, quality: 'Good' }, 'pump', 'p-1', 't');
    await tagged.close();
    const plain = new InfluxWriter(cfg, { log: silentLogger, send });
    plain.write({ tag: 'p-1/t', ts: 6, value: 2, quality: 'Good' }, 'pump', 'p-1', 't');
    await plain.close();
    expect(bodies).toEqual(['pump,asset=p-1,tag=t,site=north\\ plant,gateway=gw\\=1 value=1.5 5', 'pump,asset=p-1,tag=t value=2 6']);
  });
});
