/**
 * A replay through the real stages with a gateway restart in the middle: the store is a file,
 * the first gateway saves what it saves at shutdown (meters, tag features) and closes it, the
 * samples that arrive while it is down are lost, and a second gateway opens the same file, loads
 * the same rules and goes on. `backtest()` replays one run; this is two, back to back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../../src/core/clock.js';
import { silentLogger } from '../../../src/core/logger.js';
import type { LoadedConfig } from '../../../src/config/load.js';
import { Stages } from '../../../src/pipeline/stages.js';
import type { ReplayEvent } from '../../../src/replay/backtest.js';
import { eventsOf } from '../../../src/replay/events.js';
import type { RecordedSample } from '../../../src/rules/samples-file.js';
import { openStore } from '../../../src/store/db.js';

export interface Restart {
  /** When the first gateway stops (ms since epoch). */
  at: number;
  /** How long it stays down. */
  downMs: number;
}

export function replayWithRestart(loaded: LoadedConfig, ruleFiles: readonly string[], samples: readonly RecordedSample[], restart: Restart, tickMs: number): ReplayEvent[] {
  const dir = mkdtempSync(join(tmpdir(), 'cbm-restart-'));
  const file = join(dir, 'gateway.db');
  const events: ReplayEvent[] = [];
  const t0 = samples[0]?.ts ?? 0;
  const clock = new ManualClock(t0);
  const start = (startedAt: number) => {
    const db = openStore(file);
    const stages = new Stages({
      config: loaded.config,
      db,
      clock,
      log: silentLogger,
      startedAt,
      targetIds: () => [],
      onCommitted: (changes) => eventsOf(changes, events),
    });
    stages.loadRules(ruleFiles);
    return { db, stages };
  };
  try {
    let gw = start(t0);
    let nextTick = t0 + tickMs;
    const resumeAt = restart.at + restart.downMs;
    let down = false;
    let restarted = false;
    const tickTo = (ts: number) => {
      while (nextTick <= ts) {
        clock.set(nextTick);
        gw.stages.pipeline.tick(nextTick);
        nextTick += tickMs;
      }
      clock.set(ts);
    };
    for (const s of samples) {
      if (!restarted && s.ts >= restart.at) {
        tickTo(restart.at);
        gw.stages.pipeline.flush();
        gw.stages.saveMeters(restart.at);
        gw.stages.saveFeatures(restart.at, true);
        gw.db.close();
        down = restarted = true;
      }
      if (down) {
        if (s.ts < resumeAt) continue; // the gateway is down: these samples are lost
        clock.set(resumeAt);
        gw = start(resumeAt);
        nextTick = resumeAt + tickMs;
        down = false;
      }
      tickTo(s.ts);
      gw.stages.pipeline.ingest([{ tag: `${s.asset}/${s.tag}`, ts: s.ts, value: s.value, quality: 'Good' }]);
    }
    if (!down) gw.db.close();
    return events;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
