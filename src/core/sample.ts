/**
 * Sample quality, after OPC UA Part 4 §7.34 (StatusCode severity bits): Good, Uncertain, Bad.
 * A Bad sample is counted and stored for inspection but never reaches the rules.
 */
export type Quality = 'Good' | 'Uncertain' | 'Bad';

export type SampleValue = number | boolean | string;

/** A tag key is `<assetId>/<tagId>`; both ids are restricted to `[A-Za-z0-9_.-]`. */
export type TagKey = string;

/** One reading of one tag. `ts` is milliseconds since the Unix epoch, source time where known. */
export interface Sample {
  tag: TagKey;
  ts: number;
  value: SampleValue;
  quality: Quality;
  /** Why the quality is not Good: a Modbus exception, an OPC UA status name, `out_of_range`, … */
  reason?: string;
  /**
   * The tag's catalog index, when the source resolved `tag` already (see
   * `SourceContext.tagIndex`; MQTT does once per topic): the pipeline then skips its lookup by key.
   */
  index?: number | undefined;
}

export function tagKey(assetId: string, tagId: string): TagKey {
  return `${assetId}/${tagId}`;
}

export function splitTagKey(key: TagKey): { assetId: string; tagId: string } {
  const i = key.indexOf('/');
  return i < 0 ? { assetId: '', tagId: key } : { assetId: key.slice(0, i), tagId: key.slice(i + 1) };
}

/** Numeric view of a value for rules: booleans are 0/1, numeric strings parse, other strings are NaN. */
export function numericValue(v: SampleValue): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  const n = Number(v);
  return v.trim() === '' ? Number.NaN : n;
}
