import type { Priority } from '../../core/priority.js';
import type { OrderUpdate } from '../update.js';

/**
 * What every CMMS target does the same way with an order update: the text it appends to the
 * order (the dated note, then a trailer naming the update's key, which is how a retry finds that
 * the update already landed), and whether the CMMS's priority must be raised.
 */

/** The last line of every note we append: the update's key makes it findable by a plain text search. */
export function updateTrailer(u: OrderUpdate): string {
  return `cbm-gateway update ${u.sequence} of ${u.orderIdempotencyKey}; key ${u.idempotencyKey}`;
}

/**
 * The note and its trailer, at most `max` characters: when the note is longer, its oldest lines
 * are cut (the newest event matters most) and a line says how many were left out; the trailer
 * always stays, so idempotency never depends on the length.
 */
export function updateText(u: OrderUpdate, max = Infinity): string {
  const trailer = updateTrailer(u);
  const full = `${u.note}\n${trailer}`;
  if (full.length <= max) return full;
  const lines = u.note.split('\n');
  let dropped = 0;
  let body = lines.join('\n');
  const head = () => `(${dropped} earlier line${dropped === 1 ? '' : 's'} left out)\n`;
  while (lines.length > 1 && head().length + body.length + 1 + trailer.length > max) {
    lines.shift();
    dropped++;
    body = lines.join('\n');
  }
  const room = max - trailer.length - 1 - (dropped ? head().length : 0);
  if (body.length > room) body = room > 1 ? `${body.slice(0, room - 1)}…` : '';
  return `${dropped ? head() : ''}${body}\n${trailer}`;
}

/** One line for fields that hold a short title (Maximo's 100-character work log summary). */
export function updateSummary(u: OrderUpdate): string {
  const what = u.events.length === 1 ? `${u.events[0]!.rule.name} again` : `${u.events.length} more alarm events`;
  return `Condition update ${u.sequence}: ${what}${u.escalated ? `, priority raised to P${u.priority}` : ''}`;
}

/**
 * The CMMS value to write for an escalation, or undefined when the priority must stay: the update
 * did not raise it, or the CMMS already holds a value at least as urgent (a planner raised it by
 * hand, or the mapping gives both priorities one value). `current` is mapped back through the
 * target's `mapping` to ours (the most urgent of ours with that value); a value outside the
 * mapping is overwritten, since the escalation is what the gateway knows.
 */
export function raisedPriority<V>(u: OrderUpdate, mapping: Readonly<Record<Priority, V>>, current: V | undefined): V | undefined {
  if (!u.escalated) return undefined;
  const want = mapping[u.priority];
  if (current === undefined) return want;
  const ours = ([1, 2, 3, 4] as const).find((p) => String(mapping[p]) === String(current));
  if (ours !== undefined && ours <= u.priority) return undefined;
  return String(current) === String(want) ? undefined : want;
}
