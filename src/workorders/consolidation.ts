import { setAfterStep } from '../core/clock-steps.js';
import type { Priority } from '../core/priority.js';

/** An order that later alarm episodes of its group update instead of ordering anew. */
export interface OpenOrder {
  orderId: string;
  /** The order's idempotency key. */
  key: string;
  /** `<assetId>/<group>` for condition orders, `flood:<scope>` for flood orders. */
  groupKey: string;
  ruleId: string;
  kind: 'condition' | 'flood';
  priority: Priority;
  createdAt: number;
  /** The CMMS reported a status for it: it stays open until completed or cancelled. */
  statusSeen: boolean;
  /** When the latest update was (or will be) sent; undefined before the first. */
  lastUpdateAt: number | undefined;
}

export interface FloodPolicy {
  /** More new orders than this within `window`, for one asset or one area, is a flood. */
  count: number;
  window: number;
}

/**
 * What the work-order stage remembers between alarm transitions: the open order of each
 * failure-mode group and asset, the open flood orders, and when recent orders were made per asset
 * and per area (the flood guard's sliding window). Rebuilt from the store at start.
 */
export class OrderBook {
  private readonly open = new Map<string, OpenOrder>();
  private readonly byId = new Map<string, OpenOrder>();
  private readonly recent = new Map<string, number[]>();
  private readonly floodEpisodes = new Map<string, number>();

  constructor(private readonly flood: FloodPolicy) {}

  /**
   * The order open for `groupKey` at `now`. An order no status ever came back for counts as open
   * for `renotifyMs` after it was made; after that the next episode orders anew.
   */
  find(groupKey: string, now: number, renotifyMs: number): OpenOrder | undefined {
    const o = this.open.get(groupKey);
    if (!o) return undefined;
    if (!o.statusSeen && now - o.createdAt >= renotifyMs) {
      this.forget(o);
      return undefined;
    }
    return o;
  }

  add(o: OpenOrder): void {
    const prev = this.open.get(o.groupKey);
    if (prev) this.byId.delete(prev.orderId);
    this.open.set(o.groupKey, o);
    this.byId.set(o.orderId, o);
  }

  /** The CMMS reported a status for the order: closed ones free their group, others stay open for good. */
  status(orderId: string, closed: boolean): void {
    const o = this.byId.get(orderId);
    if (!o) return;
    if (closed) this.forget(o);
    else o.statusSeen = true;
  }

  private forget(o: OpenOrder): void {
    if (this.open.get(o.groupKey) === o) this.open.delete(o.groupKey);
    this.byId.delete(o.orderId);
  }

  /** Counts a new order against each scope's flood window. */
  noteCreated(scopes: readonly string[], ts: number): void {
    for (const s of scopes) {
      let list = this.recent.get(s);
      if (!list) this.recent.set(s, (list = []));
      list.push(ts);
    }
  }

  /** The first scope in flood at `now` (its window already holds `count` new orders), or undefined. */
  flooded(scopes: readonly string[], now: number): string | undefined {
    for (const s of scopes) {
      const list = this.recent.get(s);
      if (!list) continue;
      while (list.length > 0 && list[0]! <= now - this.flood.window) list.shift();
      if (list.length >= this.flood.count) return s;
      const f = this.open.get(`flood:${s}`);
      if (f) this.forget(f); // the flood is over: the next one is a new flood order
    }
    return undefined;
  }

  /** Scopes in flood at `now` (their window holds `count` new orders or more), for health and metrics. */
  floods(now: number): { scope: string; orders: number; floodOrderId: string | undefined }[] {
    const out: { scope: string; orders: number; floodOrderId: string | undefined }[] = [];
    for (const [scope, list] of this.recent) {
      const n = list.filter((t) => t > now - this.flood.window).length;
      if (n >= this.flood.count) out.push({ scope, orders: n, floodOrderId: this.open.get(`flood:${scope}`)?.orderId });
    }
    return out;
  }

  /** The flood order open for `scope`, if the flood goes on. */
  floodOrder(scope: string): OpenOrder | undefined {
    return this.open.get(`flood:${scope}`);
  }

  /** Numbers flood orders per scope (their idempotency keys), across restarts. */
  nextFloodEpisode(scope: string): number {
    const n = (this.floodEpisodes.get(scope) ?? 0) + 1;
    this.floodEpisodes.set(scope, n);
    return n;
  }

  restoreFloodEpisodes(scope: string, n: number): void {
    this.floodEpisodes.set(scope, Math.max(n, this.floodEpisodes.get(scope) ?? 0));
  }

  /** The wall clock stepped by `ms`: renotify and update spacing, and the flood window, move with it. */
  shiftTimes(ms: number, now: number): void {
    const move = (t: number) => (setAfterStep(t, ms, now) ? t : t + ms); // see AlarmBook.shiftTimes
    for (const o of this.open.values()) {
      o.createdAt = move(o.createdAt);
      if (o.lastUpdateAt !== undefined) o.lastUpdateAt = move(o.lastUpdateAt);
    }
    for (const list of this.recent.values()) for (let i = 0; i < list.length; i++) list[i] = move(list[i]!);
  }

  /** Open orders, for the API. */
  list(): OpenOrder[] {
    return [...this.open.values()];
  }
}
