import type { Deadband } from '../config/fleet.js';
import type { AssetInfo, TagInfo } from '../core/asset.js';
import type { Quality, SampleValue } from '../core/sample.js';
import { exceedsDeadband } from './deadband.js';
import type { DataType, Metric, MetricValue, PropertyValue } from './payload.js';

/** An alarm's state as the edge node publishes it (a value, handed over by the alarm stage). */
export interface AlarmInput {
  ruleId: string;
  assetId: string;
  /** ISA-18.2 state name: normal, unacknowledged, acknowledged, rtn_unacknowledged, shelved, out_of_service. */
  state: string;
  active: boolean;
  /** Work-order priority of the rule: 1 critical … 4 low. */
  priority: number;
  ts: number;
}

/** A work order's state (a value, handed over by the work-order stage or the CMMS status hook). */
export interface OrderInput {
  orderId: string;
  assetId: string;
  ruleId?: string | undefined;
  /** open, in_progress, completed, cancelled. */
  state: string;
  ts: number;
}

/** Sparkplug quality codes (Sparkplug 3.0 §6.4.7): 0 BAD, 192 GOOD, 500 STALE. Uncertain has no code of its own. */
const QUALITY_CODE: Record<Quality, number> = { Good: 192, Uncertain: 500, Bad: 0 };
const CLOSED = new Set(['completed', 'cancelled']);

interface TagSlot {
  info: TagInfo;
  alias: number;
  device: Device;
  deadband: Deadband;
  /** Latest value (NaN: none yet) and its time and quality. */
  value: number;
  ts: number;
  quality: Quality;
  /** Last value and quality published (NaN: none), for the deadband. */
  sent: number;
  sentQuality: Quality;
}

interface AlarmSlot {
  aliases: [state: number, active: number, priority: number];
  last: AlarmInput;
}

interface Device {
  id: string;
  asset: AssetInfo;
  tags: TagSlot[];
  info: { name: string; alias: number; value: string }[];
  alarms: Map<string, AlarmSlot>;
  /** Open orders and the rule each was made by. */
  open: Map<string, string | undefined>;
  lastOrder: OrderInput | undefined;
  orderAliases: [open: number, lastId: number, lastState: number, lastRule: number];
  pending: Metric[];
}

export interface EdgeModelOptions {
  assets: readonly AssetInfo[];
  /** Catalog size: tag indexes run 0 … tagCount-1. */
  tagCount: number;
  deadbandOf: (tagKey: string) => Deadband;
  alarms: boolean;
  workOrders: boolean;
  /** `Properties/<key>` string metrics on the node (site, gateway, software). */
  nodeProperties: Record<string, string>;
}

/** Metric names (docs/sparkplug.md lists them). */
export const NODE_REBIRTH = 'Node Control/Rebirth';
export const BDSEQ = 'bdSeq';

/**
 * What the edge node publishes, kept apart from the MQTT session: one Sparkplug device per asset,
 * one metric per tag (with its unit and range as properties) plus asset properties, alarm and
 * work-order state metrics; aliases unique across the node and stable for a given config
 * (tck-id-payloads-alias-uniqueness); the latest value of each metric for the next birth; and the
 * changes waiting for the next DDATA, filtered by each tag's deadband.
 */
export class EdgeModel {
  private readonly devices: Device[] = [];
  private readonly byAsset = new Map<string, Device>();
  private readonly byIndex: (TagSlot | undefined)[];
  private nextAlias = 1;
  readonly nodeAliases: { bdSeq: number; rebirth: number; props: { name: string; alias: number; value: string }[] };
  /** Whether changes are queued for DDATA: only between a birth and the end of its session. */
  live = false;
  pendingCount = 0;
  /** Samples whose value no Double metric can carry (a non-numeric string). */
  unsendable = 0;

  constructor(private readonly o: EdgeModelOptions) {
    this.nodeAliases = {
      bdSeq: this.nextAlias++,
      rebirth: this.nextAlias++,
      props: Object.entries(o.nodeProperties).map(([k, v]) => ({ name: `Properties/${k}`, alias: this.nextAlias++, value: v })),
    };
    this.byIndex = new Array<TagSlot | undefined>(o.tagCount);
    for (const asset of o.assets) {
      const info: Device['info'] = [];
      const add = (name: string, v: string | undefined) => v !== undefined && info.push({ name: `Properties/${name}`, alias: this.nextAlias++, value: v });
      add('Name', asset.name);
      add('Path', asset.path);
      add('Class', asset.class);
      add('Criticality', asset.criticality);
      add('Serial Number', asset.serialNumber);
      add('Manufacturer', asset.manufacturer);
      add('Model', asset.model);
      const d: Device = {
        id: asset.id,
        asset,
        tags: [],
        info,
        alarms: new Map(),
        open: new Map(),
        lastOrder: undefined,
        orderAliases: [this.nextAlias++, this.nextAlias++, this.nextAlias++, this.nextAlias++],
        pending: [],
      };
      for (const t of asset.tags) {
        const slot: TagSlot = { info: t, alias: this.nextAlias++, device: d, deadband: o.deadbandOf(t.key), value: Number.NaN, ts: 0, quality: 'Good', sent: Number.NaN, sentQuality: 'Good' };
        d.tags.push(slot);
        this.byIndex[t.index] = slot;
      }
      this.devices.push(d);
      this.byAsset.set(asset.id, d);
    }
  }

  get deviceIds(): string[] {
    return this.devices.map((d) => d.id);
  }

  private queue(d: Device, m: Metric): void {
    if (!this.live) return;
    d.pending.push(m);
    this.pendingCount++;
  }

  /** An accepted sample. Returns whether it queued a change for DDATA. */
  sample(index: number, ts: number, value: SampleValue, quality: Quality): boolean {
    const slot = this.byIndex[index];
    if (!slot) return false;
    const v = typeof value === 'number' ? value : typeof value === 'boolean' ? (value ? 1 : 0) : Number(value);
    if (!Number.isFinite(v) || (typeof value === 'string' && value.trim() === '')) {
      this.unsendable++;
      return false;
    }
    slot.value = v;
    slot.ts = ts;
    slot.quality = quality;
    if (!this.live) return false;
    if (quality === slot.sentQuality && !exceedsDeadband(slot.deadband, slot.sent, v, slot.info.min, slot.info.max)) return false;
    slot.sent = v;
    slot.sentQuality = quality;
    this.queue(slot.device, tagMetric(slot, false));
    return true;
  }

  /**
   * An alarm changed. Returns 'rebirth' when the (rule, asset) pair is new, which changes the
   * device's metric set: a host only learns new metrics from a birth.
   */
  alarm(a: AlarmInput): 'queued' | 'rebirth' | 'ignored' {
    const d = this.byAsset.get(a.assetId);
    if (!d || !this.o.alarms) return 'ignored';
    let slot = d.alarms.get(a.ruleId);
    if (!slot) {
      d.alarms.set(a.ruleId, { aliases: [this.nextAlias++, this.nextAlias++, this.nextAlias++], last: a });
      return 'rebirth';
    }
    const prev = slot.last;
    slot.last = a;
    if (a.state !== prev.state) this.queue(d, { alias: slot.aliases[0], type: 'String', value: a.state, timestamp: a.ts });
    if (a.active !== prev.active) this.queue(d, { alias: slot.aliases[1], type: 'Boolean', value: a.active, timestamp: a.ts });
    if (a.priority !== prev.priority) this.queue(d, { alias: slot.aliases[2], type: 'Int32', value: a.priority, timestamp: a.ts });
    return 'queued';
  }

  /** A work order was made or changed state. */
  order(o: OrderInput): boolean {
    const d = this.byAsset.get(o.assetId);
    if (!d || !this.o.workOrders) return false;
    const before = d.open.size;
    const sameOrder = d.lastOrder?.orderId === o.orderId;
    const rule = o.ruleId ?? d.open.get(o.orderId) ?? (sameOrder ? d.lastOrder?.ruleId : undefined);
    if (CLOSED.has(o.state)) d.open.delete(o.orderId);
    else d.open.set(o.orderId, rule);
    const [open, lastId, lastState, lastRule] = d.orderAliases;
    // "Last": the order this update is about, so the host sees each order's state changes in turn.
    if (d.open.size !== before) this.queue(d, { alias: open, type: 'Int32', value: d.open.size, timestamp: o.ts });
    if (!sameOrder) this.queue(d, { alias: lastId, type: 'String', value: o.orderId, timestamp: o.ts });
    if (!sameOrder || d.lastOrder?.state !== o.state) this.queue(d, { alias: lastState, type: 'String', value: o.state, timestamp: o.ts });
    if (rule !== d.lastOrder?.ruleId) this.queue(d, { alias: lastRule, type: 'String', value: rule ?? null, timestamp: o.ts });
    d.lastOrder = { ...o, ruleId: rule };
    return true;
  }

  /** NBIRTH metrics: bdSeq, Node Control/Rebirth (false, tck-id-payloads-nbirth-rebirth-req), node properties. */
  nodeBirth(now: number, bdSeq: number): Metric[] {
    const a = this.nodeAliases;
    return [
      { name: BDSEQ, alias: a.bdSeq, type: 'UInt64', value: bdSeq, timestamp: now },
      { name: NODE_REBIRTH, alias: a.rebirth, type: 'Boolean', value: false, timestamp: now },
      ...a.props.map((p): Metric => ({ name: p.name, alias: p.alias, type: 'String', value: p.value, timestamp: now })),
    ];
  }

  /** DBIRTH metrics of one device, with the latest values; what was queued for it is now covered. */
  deviceBirth(id: string, now: number): Metric[] {
    const d = this.byAsset.get(id)!;
    this.pendingCount -= d.pending.length;
    d.pending = [];
    const out: Metric[] = d.info.map((p) => ({ name: p.name, alias: p.alias, type: 'String', value: p.value, timestamp: now }));
    for (const t of d.tags) {
      t.sent = t.value;
      t.sentQuality = t.quality;
      out.push(tagMetric(t, true, now));
    }
    for (const [ruleId, s] of d.alarms) {
      const ts = s.last.ts;
      out.push({ name: `Alarms/${ruleId}/State`, alias: s.aliases[0], type: 'String', value: s.last.state, timestamp: ts });
      out.push({ name: `Alarms/${ruleId}/Active`, alias: s.aliases[1], type: 'Boolean', value: s.last.active, timestamp: ts });
      out.push({ name: `Alarms/${ruleId}/Priority`, alias: s.aliases[2], type: 'Int32', value: s.last.priority, timestamp: ts });
    }
    if (this.o.workOrders) {
      const [open, lastId, lastState, lastRule] = d.orderAliases;
      const lo = d.lastOrder;
      const str = (v: string | undefined): MetricValue => v ?? null;
      out.push({ name: 'WorkOrders/Open', alias: open, type: 'Int32', value: d.open.size, timestamp: now });
      out.push({ name: 'WorkOrders/Last Id', alias: lastId, type: 'String', value: str(lo?.orderId), timestamp: lo?.ts ?? now });
      out.push({ name: 'WorkOrders/Last State', alias: lastState, type: 'String', value: str(lo?.state), timestamp: lo?.ts ?? now });
      out.push({ name: 'WorkOrders/Last Rule', alias: lastRule, type: 'String', value: str(lo?.ruleId), timestamp: lo?.ts ?? now });
    }
    return out;
  }

  /** The queued changes, per device, in the order they happened; the queue is emptied. */
  takeData(): { device: string; metrics: Metric[] }[] {
    const out: { device: string; metrics: Metric[] }[] = [];
    for (const d of this.devices) {
      if (d.pending.length === 0) continue;
      out.push({ device: d.id, metrics: d.pending });
      d.pending = [];
    }
    this.pendingCount = 0;
    return out;
  }

  /** The session ended: nothing more is queued until the next birth, which carries the latest values. */
  endSession(): void {
    this.live = false;
    for (const d of this.devices) d.pending = [];
    this.pendingCount = 0;
  }
}

function tagMetric(t: TagSlot, birth: boolean, now = 0): Metric {
  const has = !Number.isNaN(t.value);
  const m: Metric = { alias: t.alias, type: 'Double' as DataType, value: has ? t.value : null, timestamp: has ? t.ts : now };
  const props: Record<string, PropertyValue> = {};
  if (birth) {
    m.name = t.info.id;
    // engUnit / engLow / engHigh: the property keys Ignition's MQTT Engine maps to a tag's
    // engineering unit and range.
    if (t.info.unit !== undefined) props.engUnit = { type: 'String', value: t.info.unit };
    if (t.info.min !== undefined) props.engLow = { type: 'Double', value: t.info.min };
    if (t.info.max !== undefined) props.engHigh = { type: 'Double', value: t.info.max };
  }
  // Quality only when not GOOD (Sparkplug 3.0 §6.4.7), as an Int32 (tck-id-payloads-propertyset-quality-value-type).
  if (has && t.quality !== 'Good') props.Quality = { type: 'Int32', value: QUALITY_CODE[t.quality] };
  if (Object.keys(props).length) m.properties = props;
  return m;
}
