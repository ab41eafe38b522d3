import type { AlarmTransition } from '../alarms/book.js';
import type { AssetInfo } from '../core/asset.js';
import type { RuleConfig } from '../rules/schema.js';
import { buildWorkOrder, type WorkOrder } from './model.js';

export interface OrderMakerDeps {
  gatewayId: string;
  site: { id: string; name: string };
  asset(id: string): AssetInfo | undefined;
  /** An order that could not be built (its transition is still committed); reported, counted. */
  onError?: (key: string, err: unknown) => void;
}

/**
 * The work-order stage's entry: turns the alarm transitions that call for an order into work
 * orders, from the transition's values and the rule's work-order template.
 */
export class OrderMaker {
  /** Rules by id; a reload adds and replaces, so a transition queued just before it still finds its rule. */
  private readonly rules = new Map<string, RuleConfig>();

  constructor(private readonly d: OrderMakerDeps) {}

  /** The rules that are running now (after each load). */
  setRules(rules: Iterable<RuleConfig>): void {
    for (const r of rules) this.rules.set(r.id, r);
  }

  /** Orders that could not be built. */
  errors = 0;

  /** The order each transition calls for (undefined where none), in the same order. */
  make(transitions: readonly AlarmTransition[], now: number): (WorkOrder | undefined)[] {
    return transitions.map((t) => {
      if (!t.order) return undefined;
      try {
        const rule = this.rules.get(t.ruleId);
        const asset = this.d.asset(t.assetId);
        if (!rule || !asset) throw new Error(`no ${rule ? `asset "${t.assetId}"` : `rule "${t.ruleId}"`} for the order of ${t.key}`);
        return buildWorkOrder(t, rule, asset, { gatewayId: this.d.gatewayId, site: this.d.site, now });
      } catch (e) {
        this.errors++;
        this.d.onError?.(t.key, e);
        return undefined;
      }
    });
  }
}
