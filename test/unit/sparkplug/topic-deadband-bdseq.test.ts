import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BdSeqFile } from '../../../src/sparkplug/bdseq.js';
import { exceedsDeadband } from '../../../src/sparkplug/deadband.js';
import { deviceTopic, nodeTopic, parseTopic } from '../../../src/sparkplug/topic.js';
import { tempDir } from '../../helpers/servers.js';

describe('Sparkplug topic namespace', () => {
  it('builds and parses spBv1.0/<group>/<type>/<node>[/<device>]', () => {
    expect(nodeTopic('Plant 1', 'NBIRTH', 'gw-1')).toBe('spBv1.0/Plant 1/NBIRTH/gw-1');
    expect(deviceTopic('g', 'DDATA', 'n', 'd')).toBe('spBv1.0/g/DDATA/n/d');
    expect(parseTopic('spBv1.0/g/DDATA/n/d')).toEqual({ group: 'g', type: 'DDATA', node: 'n', device: 'd' });
    expect(parseTopic('spBv1.0/g/NDEATH/n')).toEqual({ group: 'g', type: 'NDEATH', node: 'n', device: undefined });
  });

  it('rejects what is not a node or device message', () => {
    for (const t of ['spBv1.0/STATE/scada', 'spAv1.0/g/NDATA/n', 'spBv1.0/g/DDATA/n', 'spBv1.0/g/NDATA/n/d', 'spBv1.0/g/XDATA/n', 'spBv1.0/g/DDATA/n/d/e', 'spBv1.0//NDATA/n', 'spBv1.0/g/DDATA/n/']) {
      expect(parseTopic(t), t).toBeUndefined();
    }
  });
});

describe('report-by-exception deadband', () => {
  it('absolute: strictly more than the deadband; 0 publishes every change but no repeat', () => {
    expect(exceedsDeadband({ absolute: 0.5 }, 10, 10.5, undefined, undefined)).toBe(false);
    expect(exceedsDeadband({ absolute: 0.5 }, 10, 9.4, undefined, undefined)).toBe(true);
    expect(exceedsDeadband({ absolute: 0 }, 10, 10, undefined, undefined)).toBe(false);
    expect(exceedsDeadband({ absolute: 0 }, 10, 10.001, undefined, undefined)).toBe(true);
    expect(exceedsDeadband({ absolute: 100 }, Number.NaN, 1, undefined, undefined)).toBe(true);
  });

  it('percent: of the engineering span where there is one, else of the last value', () => {
    expect(exceedsDeadband({ percent: 1 }, 50, 50.9, 0, 100)).toBe(false);
    expect(exceedsDeadband({ percent: 1 }, 50, 51.1, 0, 100)).toBe(true);
    expect(exceedsDeadband({ percent: 1 }, 50, 50.6, undefined, undefined)).toBe(true);
    expect(exceedsDeadband({ percent: 1 }, 50, 50.4, undefined, 100)).toBe(false);
  });
});

describe('bdSeq file', () => {
  it('starts at 0, counts on across instances, wraps 255 -> 0, and restarts at 0 from a damaged file', () => {
    const dir = tempDir('bdseq');
    const path = join(dir, 'sub', 'bdseq.json');
    expect(new BdSeqFile(path).last()).toBeUndefined();
    expect(new BdSeqFile(path).next()).toBe(0);
    expect(new BdSeqFile(path).next()).toBe(1);
    writeFileSync(path, JSON.stringify({ bdSeq: 255 }));
    expect(new BdSeqFile(path).next()).toBe(0);
    writeFileSync(path, '{"bdSeq": 9');
    expect(new BdSeqFile(path).last()).toBeUndefined();
    expect(new BdSeqFile(path).next()).toBe(0);
    writeFileSync(path, JSON.stringify({ bdSeq: 300 }));
    expect(new BdSeqFile(path).next()).toBe(0);
  });
});
