import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { OnceLogger, type Logger } from '../../../src/core/logger.js';

function recording(): { log: Logger; lines: { obj: Record<string, unknown>; msg: string }[] } {
  const lines: { obj: Record<string, unknown>; msg: string }[] = [];
  const log: Logger = {
    debug() {},
    info() {},
    warn: (obj, msg) => void lines.push({ obj: obj as Record<string, unknown>, msg: msg ?? '' }),
    error() {},
    child: () => log,
  };
  return { log, lines };
}

describe('OnceLogger', async () => {
  it('logs a key once and counts the rest', async () => {
    const { log, lines } = recording();
    const once = new OnceLogger(log, { clock: new ManualClock() });
    for (let i = 0; i < 5; i++) once.warn('malformed:plant/p-1', { topic: 'plant/p-1' }, 'malformed payload dropped');
    expect(lines).toHaveLength(1);
    expect(once.count('malformed:plant/p-1')).toBe(5);
  });

  it('5,000 new keys of one cause write one line, and one summary with the count when the interval ends', async () => {
    const { log, lines } = recording();
    const clock = new ManualClock();
    const once = new OnceLogger(log, { clock, interval: 60_000 });
    for (let i = 0; i < 5_000; i++) once.warn(`unknown:p-1/f${i}`, { tag: `p-1/f${i}` }, 'sample for an unknown tag; dropped');
    once.warn('range:p-1/t', { tag: 'p-1/t' }, 'out of range'); // another cause has its own line
    expect(lines.map((l) => l.msg)).toEqual(['sample for an unknown tag; dropped (logged once; further occurrences are counted)', 'out of range (logged once; further occurrences are counted)']);
    await clock.advance(60_000);
    expect(lines).toHaveLength(3);
    expect(lines[2]!.obj).toMatchObject({ cause: 'unknown', suppressed: 4_999, examples: ['unknown:p-1/f1', 'unknown:p-1/f2', 'unknown:p-1/f3', 'unknown:p-1/f4', 'unknown:p-1/f5'] });
    expect(lines[2]!.msg).toContain('4999 more like it in the last 60 s');
    // Every key is still counted.
    expect(once.count('unknown:p-1/f4999')).toBe(1);
    // The next interval logs a new key at once again.
    once.warn('unknown:p-2/x', {}, 'sample for an unknown tag; dropped');
    expect(lines).toHaveLength(4);
  });

  it('a quiet interval needs no summary, and a key seen before is never logged again', async () => {
    const { log, lines } = recording();
    const clock = new ManualClock();
    const once = new OnceLogger(log, { clock, interval: 1000, burst: 2 });
    once.warn('type:a', {}, 'm');
    once.warn('type:b', {}, 'm');
    once.warn('type:a', {}, 'm');
    await clock.advance(5000);
    expect(lines).toHaveLength(2);
    once.warn('type:c', {}, 'm');
    expect(lines).toHaveLength(3);
  });

  it('reset lets a key log again (within the cause limit)', async () => {
    const { log, lines } = recording();
    const clock = new ManualClock();
    const once = new OnceLogger(log, { clock, interval: 1000 });
    once.warn('client-error', {}, 'MQTT client error');
    once.reset('client-error');
    await clock.advance(1000);
    once.warn('client-error', {}, 'MQTT client error');
    expect(lines).toHaveLength(2);
  });
});
