import type { Clock } from '../core/clock.js';
import { CbmError } from '../core/errors.js';
import type { Stages } from './stages.js';

/** Operator commands on alarms, each committed before it returns (ISA-18.2 §11: ack, shelve, out of service). */
export interface AlarmCommands {
  acknowledge(ruleId: string, assetId: string, by: string): boolean;
  /** Returns the shelve's end (capped at the rule's `maxShelve`). */
  shelve(ruleId: string, assetId: string, durationMs: number, by: string): number;
  unshelve(ruleId: string, assetId: string, by: string): void;
  /** Asset in maintenance: all its alarms out of service (no orders), and back. Returns how many. */
  setOutOfService(assetId: string, outOfService: boolean, by: string): number;
}

export function alarmCommands(s: Pick<Stages, 'book' | 'catalog' | 'pipeline'>, clock: Clock): AlarmCommands {
  const commit = <T>(r: T): T => {
    s.pipeline.flush();
    return r;
  };
  return {
    acknowledge: (r, a, by) => commit(s.book.acknowledge(r, a, clock.now(), by)),
    shelve: (r, a, ms, by) => commit(s.book.shelve(r, a, clock.now(), ms, by)),
    unshelve: (r, a, by) => commit(s.book.unshelve(r, a, clock.now(), by)),
    setOutOfService: (a, oos, by) => {
      if (!s.catalog.asset(a)) throw new CbmError('CBM_ERR_NOT_FOUND', `no asset "${a}"`);
      return commit(s.book.setOutOfService(a, oos, clock.now(), by));
    },
  };
}
