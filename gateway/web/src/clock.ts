import { get } from './api.js';

/**
 * The gateway's time, which the page reads every time against ("5 min ago", a chart's last 24
 * hours, alarms stale for a day): a gateway normally runs on the wall clock, but a demo or a
 * replay runs plant time, faster (`start --time-scale`). `GET /api/health` gives `clock.now` and
 * `clock.scale`; between reads the page moves it on at that speed.
 */
let at = { gateway: Date.now(), wall: Date.now(), scale: 1 };

/** The gateway's time now (ms). */
export function now(): number {
  return at.gateway + (Date.now() - at.wall) * at.scale;
}

/** How fast the gateway's time runs against the wall clock (1 on a real site). */
export const scale = () => at.scale;

/** Reads the gateway's time; without an answer (health not open to this user yet) the browser's clock stands in. */
export async function readClock(): Promise<{ site: { name: string } } | undefined> {
  try {
    const h = await get<{ site: { name: string }; clock?: { now: string; scale: number } }>('/api/health');
    if (h.clock) at = { gateway: Date.parse(h.clock.now), wall: Date.now(), scale: h.clock.scale };
    return h;
  } catch {
    return undefined;
  }
}
