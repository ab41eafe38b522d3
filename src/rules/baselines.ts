/**
 * Meter baselines for "since last service" facts: one per rule instance and meter. A baseline is
 * set when first needed (counting starts then) and reset to the meter's current value when the
 * rule's work order completes. Persisted with the alarm state.
 */
export interface Baseline {
  value: number;
  read: () => number;
}

export class Baselines {
  private readonly slots = new Map<string, Baseline>();
  private readonly restored = new Map<string, number>();

  /** Values saved by a previous run, applied when the slot is created. */
  restore(instanceKey: string, meterId: string, value: number): void {
    this.restored.set(`${instanceKey}|${meterId}`, value);
  }

  slot(instanceKey: string, meterId: string, read: () => number): Baseline {
    const key = `${instanceKey}|${meterId}`;
    let b = this.slots.get(key);
    if (!b) {
      b = { value: this.restored.get(key) ?? Number.NaN, read };
      this.slots.set(key, b);
    }
    return b;
  }

  /**
   * Sets unset baselines to the meter's current value (after restore, at start and after a rule
   * load). Returns those it set, for persistence: counting starts now, and a restart must not
   * start it again.
   */
  initialise(): { instanceKey: string; meterId: string; value: number }[] {
    const out: { instanceKey: string; meterId: string; value: number }[] = [];
    for (const [key, b] of this.slots) {
      if (!Number.isNaN(b.value)) continue;
      b.value = b.read();
      const [instanceKey, meterId] = key.split('|') as [string, string];
      out.push({ instanceKey, meterId, value: b.value });
    }
    return out;
  }

  /** Service done: count from now. Returns the baselines changed, for persistence. */
  reset(instanceKey: string): { meterId: string; value: number }[] {
    const out: { meterId: string; value: number }[] = [];
    for (const [key, b] of this.slots) {
      const [inst, meterId] = key.split('|') as [string, string];
      if (inst !== instanceKey) continue;
      b.value = b.read();
      out.push({ meterId, value: b.value });
    }
    return out;
  }

  entries(): { instanceKey: string; meterId: string; value: number }[] {
    return [...this.slots].map(([key, b]) => {
      const [instanceKey, meterId] = key.split('|') as [string, string];
      return { instanceKey, meterId, value: b.value };
    });
  }
}
