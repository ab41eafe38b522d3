import type { TopicMapping } from '../../config/schema.js';

/** A topic pattern compiled for matching: `{asset}`/`{tag}` capture one level, `+`/`#` are MQTT wildcards. */
export interface CompiledTopic {
  mapping: TopicMapping;
  /** The MQTT subscription filter (`{x}` → `+`). */
  filter: string;
  match(levels: readonly string[]): { asset: string | undefined; tag: string | undefined } | undefined;
}

export function compileTopic(mapping: TopicMapping): CompiledTopic {
  const parts = mapping.topic.split('/');
  const filter = parts.map((p) => (/^\{\w+\}$/.test(p) ? '+' : p)).join('/');
  const multi = parts[parts.length - 1] === '#';
  const fixedLen = multi ? parts.length - 1 : parts.length;
  return {
    mapping,
    filter,
    match(levels) {
      if (multi ? levels.length < fixedLen : levels.length !== fixedLen) return undefined;
      let asset = mapping.asset;
      let tag = mapping.tag;
      for (let i = 0; i < fixedLen; i++) {
        const p = parts[i]!;
        const l = levels[i]!;
        if (p === '+') continue;
        if (p === '{asset}') asset = l;
        else if (p === '{tag}') tag = l;
        else if (p !== l) return undefined;
      }
      return { asset, tag };
    },
  };
}

/** A tag as a route's samples name it: its key and, when the gateway knows it, its catalog index. */
export interface TagRef {
  key: string;
  index: number | undefined;
}

export interface Route {
  mapping: TopicMapping;
  asset: string | undefined;
  tag: string | undefined;
  /**
   * The tag this topic names (`tag` set), resolved on first use: the decoder then needs no
   * lookup per message (at 10^5 messages/s, each keyed lookup is a measurable share of ingest).
   */
  ref: TagRef | undefined;
  /**
   * Tag name (from a payload's `tag` field) → its reference, filled by the decoder; created on
   * first use (most routes never need it, and a fleet has tens of thousands of routes).
   */
  keys: Map<string, TagRef> | undefined;
  /** JSON field name → its tag's reference (through `fields:`), filled by the decoder; created on first use. */
  fieldKeys: Map<string, TagRef> | undefined;
  /**
   * The fields of the route's last object payload in order, with their references: a sensor
   * sends the same fields in the same order every time, so the decoder compares names instead
   * of looking each one up. Until a payload names a field, the three share {@link NO_ORDER}.
   */
  order: string[];
  orderRefs: TagRef[];
  /**
   * {@link order} as the flat-object decoder compares it with a payload's bytes: each name in
   * UTF-8 followed by its closing quote, undefined for a name that decoder never matches.
   */
  orderBytes: (Buffer | undefined)[];
  /** {@link order} names a field twice (left over from payloads of different shapes). */
  orderDup: boolean;
  /** The mapping's value and timestamp field names as UTF-8 (the flat-object decoder's), shared by its routes. */
  fieldBytes: FieldBytes;
  /** Resolves a tag key to its catalog index (the router's resolver, shared by its routes). */
  resolve: (key: string) => number | undefined;
}

export interface FieldBytes {
  value: Buffer;
  ts: Buffer;
}

/**
 * The empty order every route starts with, shared: {@link rememberOrder} gives a route its own
 * arrays when it learns its first field. (Routes are many, a few hundred bytes each matter: the
 * decoder's working set is every route of the fleet, and what misses the CPU cache costs more
 * than the decoding.)
 */
export const NO_ORDER: never[] = [];

/**
 * Resolves a topic to the first mapping that matches it, with its captures. Results are cached
 * per topic (topics repeat endlessly), so the pattern match runs once per distinct topic.
 */
export class TopicRouter {
  private readonly compiled: CompiledTopic[];
  private readonly cache = new Map<string, Route | null>();
  private readonly fieldBytes: FieldBytes[];
  private readonly resolveShared = (key: string): number | undefined => this.resolve(key);

  /** Tag key → catalog index, for {@link Route.resolve}; the source sets it from its context. */
  resolve: (key: string) => number | undefined = () => undefined;

  constructor(mappings: readonly TopicMapping[], private readonly maxCache = 100_000) {
    this.compiled = mappings.map(compileTopic);
    this.fieldBytes = mappings.map((m) => ({ value: Buffer.from(m.valueField, 'utf8'), ts: Buffer.from(m.timestampField, 'utf8') }));
  }

  get filters(): string[] {
    return [...new Set(this.compiled.map((c) => c.filter))];
  }

  route(topic: string): Route | null {
    const hit = this.cache.get(topic);
    if (hit !== undefined) return hit;
    const levels = topic.split('/');
    let r: Route | null = null;
    for (let i = 0; i < this.compiled.length; i++) {
      const c = this.compiled[i]!;
      const m = c.match(levels);
      if (m) {
        r = {
          mapping: c.mapping,
          asset: m.asset,
          tag: m.tag,
          ref: undefined,
          keys: undefined,
          fieldKeys: undefined,
          order: NO_ORDER,
          orderRefs: NO_ORDER,
          orderBytes: NO_ORDER,
          orderDup: false,
          fieldBytes: this.fieldBytes[i]!,
          resolve: this.resolveShared,
        };
        break;
      }
    }
    if (this.cache.size >= this.maxCache) this.cache.clear();
    this.cache.set(topic, r);
    return r;
  }
}
