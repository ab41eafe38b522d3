import { describe, expect, it } from 'vitest';
import { modbusSource, type ModbusSourceInput } from '../../../../src/config/sources/modbus.js';
import { ManualClock } from '../../../../src/core/clock.js';
import { CbmError } from '../../../../src/core/errors.js';
import { silentLogger } from '../../../../src/core/logger.js';
import type { Sample } from '../../../../src/core/sample.js';
import { DevicePoller } from '../../../../src/sources/modbus/device.js';
import type { ModbusLink, ReadResult } from '../../../../src/sources/modbus/link.js';

/** A link whose behaviour the test sets: up and answering, refusing connections, or answering with an exception. */
class FakeLink {
  mode: 'up' | 'down' | 'busy' = 'up';
  isOpen = false;
  connects: number[] = [];
  reads = 0;
  constructor(private readonly clock: ManualClock) {}
  async connect(): Promise<void> {
    this.connects.push(this.clock.now());
    if (this.mode === 'down') throw new CbmError('CBM_ERR_MODBUS_CONNECTION', 'connect ECONNREFUSED');
    this.isOpen = true;
  }
  async read(_unit: number, _fn: string, address: number, count: number): Promise<ReadResult> {
    this.reads++;
    if (this.mode === 'down') {
      this.isOpen = false;
      throw new CbmError('CBM_ERR_MODBUS_CONNECTION', 'connection closed');
    }
    if (this.mode === 'busy') throw Object.assign(new Error('Modbus exception 6'), { modbusCode: 6 });
    const b = Buffer.alloc(count * 2);
    for (let i = 0; i < count; i++) b.writeUInt16BE(address + i, i * 2);
    return { registers: b };
  }
  drop(): void {
    this.isOpen = false;
  }
}

const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

function setup(retries = 0) {
  const cfg: ModbusSourceInput = {
    id: 'm',
    type: 'modbus',
    devices: [
      {
        id: 'd',
        host: 'plc',
        asset: 'a',
        pollInterval: '1s',
        retries,
        reconnect: { initialDelay: '1s', maxDelay: '4s' },
        points: [
          { tag: 'x', function: 'holding', address: 10 },
          { tag: 'y', function: 'holding', address: 11 },
        ],
      },
    ],
  };
  const dev = modbusSource.parse(cfg).devices[0]!;
  const clock = new ManualClock();
  const link = new FakeLink(clock);
  const samples: Sample[] = [];
  const ctl = new AbortController();
  const poller = new DevicePoller(dev, link as unknown as ModbusLink, { ingest: (s) => samples.push(...s), whenDurable: (cb) => cb(), status: () => undefined, clock, log: silentLogger, signal: ctl.signal, dataDir: '/tmp' }, () => undefined);
  const done = poller.run(ctl.signal);
  return { clock, link, samples, poller, stop: async () => (ctl.abort(), await done) };
}

describe('DevicePoller', () => {
  it('polls on its interval, goes Bad once when the device drops, backs off 1-2-4-4 s, and resumes by itself', async () => {
    const t = setup();
    await settle();
    expect(t.samples.map((s) => [s.tag, s.value, s.quality])).toEqual([['a/x', 10, 'Good'], ['a/y', 11, 'Good']]);
    expect(t.poller.status().state).toBe('connected');
    await t.clock.advance(1000);
    await settle();
    expect(t.samples).toHaveLength(4);

    t.link.mode = 'down';
    t.samples.length = 0;
    const downAt = t.clock.now() + 1000;
    await t.clock.advance(1000);
    await settle();
    expect(t.samples.map((s) => [s.tag, s.quality, s.reason])).toEqual([['a/x', 'Bad', 'modbus_disconnected'], ['a/y', 'Bad', 'modbus_disconnected']]);
    expect(t.poller.status()).toMatchObject({ state: 'reconnecting', detail: 'connection closed' });
    for (let i = 0; i < 12; i++) {
      await t.clock.advance(1000);
      await settle();
    }
    // Reconnect attempts after the drop: +1 s, then +2 s, +4 s, capped at 4 s.
    expect(t.link.connects.filter((c) => c > downAt).map((c) => c - downAt)).toEqual([1000, 3000, 7000, 11000]);
    // A lasting fault is reported once, not on every attempt.
    expect(t.samples).toHaveLength(2);

    t.link.mode = 'up';
    t.samples.length = 0;
    for (let i = 0; i < 4; i++) {
      await t.clock.advance(1000);
      await settle();
    }
    expect(t.samples.slice(0, 2).map((s) => [s.tag, s.quality])).toEqual([['a/x', 'Good'], ['a/y', 'Good']]);
    expect(t.poller.status().state).toBe('connected');
    expect(t.poller.status().counters).toMatchObject({ disconnects: 5 });
    await t.stop();
    expect(t.poller.status().state).toBe('stopped');
  });

  it('retries a busy device (exception 06) `retries` times, then marks the points Bad and stays connected', async () => {
    const t = setup(2);
    await settle();
    t.link.mode = 'busy';
    t.samples.length = 0;
    const reads = t.link.reads;
    await t.clock.advance(1000);
    await settle();
    expect(t.link.reads - reads).toBe(3);
    expect(t.samples.map((s) => s.reason)).toEqual(['modbus_exception_06_server_device_busy', 'modbus_exception_06_server_device_busy']);
    expect(t.poller.status()).toMatchObject({ state: 'connected', detail: expect.stringMatching(/exception 06 server device busy at holding 10\+2/) });
    await t.stop();
  });
});
