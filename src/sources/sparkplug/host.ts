import type { SparkplugDeviceMap } from '../../config/sources/sparkplug.js';
import type { Quality, Sample } from '../../core/sample.js';
import { isScalarType, type Metric, type Payload } from '../../sparkplug/payload.js';
import type { SparkplugTopic } from '../../sparkplug/topic.js';

/** What the host side counts (SourceStatus counters). */
export interface HostCounters {
  births: number;
  deaths: number;
  /** DATA for a node or device whose BIRTH this gateway has not seen: dropped, a rebirth requested. */
  dataBeforeBirth: number;
  /** A seq that was not the previous one + 1 (mod 256): a message was lost or reordered. */
  seqGaps: number;
  /** A DATA metric whose alias no BIRTH defined. */
  unknownAlias: number;
  /** Metrics no tag takes (names absent from the mapping and the asset). */
  unmappedMetrics: number;
  /** Metrics with is_null or a value that is not a scalar (DataSet, Template, bytes). */
  skippedValues: number;
}

/** A metric a BIRTH defined: the tag it feeds (undefined: none), by index where known. */
interface Binding {
  key: string | undefined;
  index: number | undefined;
}

interface DeviceState {
  born: boolean;
  byName: Map<string, Binding>;
}

interface NodeState {
  born: boolean;
  bdSeq: number | undefined;
  nextSeq: number | undefined;
  /** Aliases are unique across an edge node's metrics, its devices' included (tck-id-payloads-alias-uniqueness). */
  byAlias: Map<number, Binding>;
  devices: Map<string, DeviceState>;
}

export interface HostResult {
  samples: Sample[];
  /** Ask the node for a rebirth (the caller rate-limits and publishes the NCMD). */
  rebirth: boolean;
  /** A node or device that is mapped came online or went offline. */
  online?: boolean;
}

/** Sparkplug quality codes (Sparkplug 3.0 §6.4.7). STALE (500) is Uncertain: the value was good once. */
function qualityOf(m: Metric): Quality {
  const q = m.properties?.Quality?.value;
  if (q === undefined || q === null || q === 192) return 'Good';
  return q === 500 ? 'Uncertain' : 'Bad';
}

/**
 * The host-application side of Sparkplug B (Sparkplug 3.0 §5.2, §6), for the edge nodes the config
 * maps: learns each metric's name and alias from NBIRTH/DBIRTH, binds the name to a tag through
 * the mapping, turns BIRTH and DATA values into samples, and keeps the session honest: a DATA
 * before its BIRTH, an unknown alias or a seq gap is counted and answered with a rebirth request,
 * never guessed at; NDEATH (matching bdSeq) and DDEATH end what the BIRTH set up.
 */
export class SparkplugHost {
  readonly c: HostCounters = { births: 0, deaths: 0, dataBeforeBirth: 0, seqGaps: 0, unknownAlias: 0, unmappedMetrics: 0, skippedValues: 0 };
  private readonly nodes = new Map<string, NodeState>();

  constructor(
    private readonly maps: readonly SparkplugDeviceMap[],
    private readonly tagIndex: (key: string) => number | undefined,
    private readonly onUnmapped: (where: string, metric: string) => void = () => undefined,
  ) {}

  /** The mapping for a node's own metrics (device undefined) or one of its devices; undefined: not ours. */
  private mapOf(t: SparkplugTopic, device: string | undefined): SparkplugDeviceMap | undefined {
    return this.maps.find((m) => m.node === t.node && m.device === device && (m.group === undefined || m.group === t.group));
  }

  /** Whether any mapping names this edge node (its session must be tracked even for device-only maps). */
  watches(t: SparkplugTopic): boolean {
    return this.maps.some((m) => m.node === t.node && (m.group === undefined || m.group === t.group));
  }

  private node(t: SparkplugTopic): NodeState | undefined {
    return this.nodes.get(`${t.group}/${t.node}`);
  }

  handle(t: SparkplugTopic, p: Payload, now: number): HostResult {
    const out: HostResult = { samples: [], rebirth: false };
    switch (t.type) {
      case 'NBIRTH': {
        const bd = p.metrics.find((m) => m.name === 'bdSeq')?.value;
        const n: NodeState = { born: true, bdSeq: typeof bd === 'number' ? bd : undefined, nextSeq: next(p.seq), byAlias: new Map(), devices: new Map() };
        this.nodes.set(`${t.group}/${t.node}`, n);
        this.c.births++;
        this.birth(n, t, undefined, p, now, out);
        out.online = true;
        return out;
      }
      case 'DBIRTH': {
        const n = this.node(t);
        if (!n?.born) return this.beforeBirth(out);
        this.checkSeq(n, p, out);
        this.c.births++;
        this.birth(n, t, t.device, p, now, out);
        out.online = true;
        return out;
      }
      case 'NDATA':
      case 'DDATA': {
        const n = this.node(t);
        const d = t.device === undefined ? undefined : n?.devices.get(t.device);
        if (n?.born) this.checkSeq(n, p, out); // the node's seq runs across all its messages
        if (n?.born && t.device !== undefined && !d?.born && !this.mapOf(t, t.device)) return out; // a device no mapping names
        if (!n?.born || (t.device !== undefined && !d?.born)) return this.beforeBirth(out);
        for (const m of p.metrics) {
          const b = m.alias !== undefined ? n.byAlias.get(m.alias) : m.name !== undefined ? (d ?? n.devices.get(''))?.byName.get(m.name) : undefined;
          if (!b) {
            this.c.unknownAlias++;
            out.rebirth = true;
            continue;
          }
          this.emit(b, m, p, now, out);
        }
        return out;
      }
      case 'NDEATH': {
        const n = this.node(t);
        const bd = p.metrics.find((m) => m.name === 'bdSeq')?.value;
        // A late will of an earlier session must not take down the current one (§5.4 bdSeq).
        if (!n?.born || (n.bdSeq !== undefined && typeof bd === 'number' && bd !== n.bdSeq)) return out;
        n.born = false;
        this.c.deaths++;
        out.online = false;
        return out;
      }
      case 'DDEATH': {
        const n = this.node(t);
        const d = t.device === undefined ? undefined : n?.devices.get(t.device);
        if (n?.born) this.checkSeq(n, p, out);
        if (d?.born) {
          d.born = false;
          this.c.deaths++;
          out.online = false;
        }
        return out;
      }
      default:
        return out; // NCMD, DCMD: commands to the node, not telemetry
    }
  }

  private beforeBirth(out: HostResult): HostResult {
    this.c.dataBeforeBirth++;
    out.rebirth = true;
    return out;
  }

  private checkSeq(n: NodeState, p: Payload, out: HostResult): void {
    if (p.seq === undefined) return;
    if (n.nextSeq !== undefined && p.seq !== n.nextSeq) {
      this.c.seqGaps++;
      out.rebirth = true;
    }
    n.nextSeq = next(p.seq);
  }

  private birth(n: NodeState, t: SparkplugTopic, device: string | undefined, p: Payload, now: number, out: HostResult): void {
    const map = this.mapOf(t, device);
    const d: DeviceState = { born: true, byName: new Map() };
    n.devices.set(device ?? '', d);
    const asset = map ? (map.asset ?? device ?? t.node) : undefined;
    for (const m of p.metrics) {
      if (m.name === undefined) continue;
      const tag = map?.metrics[m.name] ?? m.name;
      const key = asset !== undefined ? `${asset}/${tag}` : undefined;
      const index = key !== undefined ? this.tagIndex(key) : undefined;
      const b: Binding = { key: index !== undefined ? key : undefined, index };
      if (map && index === undefined && m.name !== 'bdSeq' && !m.name.startsWith('Node Control/')) {
        this.c.unmappedMetrics++;
        this.onUnmapped(`${t.group}/${t.node}${device ? `/${device}` : ''}`, m.name);
      }
      d.byName.set(m.name, b);
      if (m.alias !== undefined) n.byAlias.set(m.alias, b);
      this.emit(b, m, p, now, out);
    }
  }

  private emit(b: Binding, m: Metric, p: Payload, now: number, out: HostResult): void {
    if (b.key === undefined) return;
    if (m.value === null || !isScalarType(m.type)) {
      this.c.skippedValues++;
      return;
    }
    const quality = qualityOf(m);
    const s: Sample = { tag: b.key, ts: m.timestamp ?? p.timestamp ?? now, value: m.value, quality, index: b.index };
    if (quality !== 'Good') s.reason = `sparkplug_quality_${String(m.properties?.Quality?.value)}`;
    out.samples.push(s);
  }
}

function next(seq: number | undefined): number | undefined {
  return seq === undefined ? undefined : (seq + 1) & 0xff;
}
