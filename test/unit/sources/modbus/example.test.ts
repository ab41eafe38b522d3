import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../src/config/load.js';
import { planDevice } from '../../../../src/sources/modbus/plan.js';

/** The commented example site must stay valid as the schema evolves. */
describe('edge-config/examples/modbus-site.yaml', () => {
  it('loads and plans', () => {
    const loaded = loadConfig(join(import.meta.dirname, '../../../../edge-config/examples/modbus-site.yaml'), {});
    const src = loaded.config.sources[0]!;
    if (src.type !== 'modbus') throw new Error('expected a modbus source');
    const blocks = src.devices.map((d) => planDevice(d).flatMap((g) => g.blocks.map((b) => `${b.fn}:${b.start}+${b.count}`)));
    expect(blocks).toEqual([['holding:0+11', 'input:20+2'], ['holding:2+2'], ['input:0+14', 'input:342+4']]);
  });
});
