import { describe, expect, it } from 'vitest';
import { initialAlarmState, stepAlarm } from '../../../src/alarms/lifecycle.js';

describe('alarm lifecycle', () => {
  it('raises once per excursion and counts episodes', () => {
    const s = initialAlarmState();
    const t = { onDelay: 0, offDelay: 0 };
    expect(stepAlarm(s, true, false, 1, t)).toBe('raised');
    expect(stepAlarm(s, true, true, 2, t)).toBeNull();
    expect(stepAlarm(s, false, true, 3, t)).toBeNull(); // inside the deadband: still active
    expect(stepAlarm(s, false, false, 4, t)).toBe('cleared');
    expect(stepAlarm(s, true, false, 5, t)).toBe('raised');
    expect(s.episode).toBe(2);
  });

  it('on-delay: a spike shorter than the delay does not raise', () => {
    const s = initialAlarmState();
    const t = { onDelay: 5000, offDelay: 0 };
    expect(stepAlarm(s, true, false, 0, t)).toBeNull();
    expect(stepAlarm(s, true, false, 4000, t)).toBeNull();
    expect(stepAlarm(s, false, false, 4500, t)).toBeNull(); // spike over
    expect(stepAlarm(s, true, false, 6000, t)).toBeNull(); // timer restarted
    expect(stepAlarm(s, true, false, 10_999, t)).toBeNull();
    expect(stepAlarm(s, true, false, 11_000, t)).toBe('raised');
    expect(s.since).toBe(11_000);
  });

  it('off-delay: the return to normal must hold', () => {
    const s = initialAlarmState();
    const t = { onDelay: 0, offDelay: 2000 };
    stepAlarm(s, true, false, 0, t);
    expect(stepAlarm(s, false, false, 1000, t)).toBeNull();
    expect(stepAlarm(s, true, true, 1500, t)).toBeNull(); // back in alarm: clearing restarts
    expect(stepAlarm(s, false, false, 2000, t)).toBeNull();
    expect(stepAlarm(s, false, false, 4000, t)).toBe('cleared');
  });
});
