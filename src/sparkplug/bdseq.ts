import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The birth/death sequence number (bdSeq) of an edge node, kept in a file in the data dir so it
 * goes on counting across restarts: each new MQTT session uses the next value in 0-255, wrapping
 * to 0 after 255 (Sparkplug 3.0 §6.4.19, tck-id-payloads-nbirth-bdseq-inc). A host correlates an
 * NDEATH with the NBIRTH of the same session by it, so a restarted gateway must not reuse the
 * value its will (still registered with the broker, or just delivered) carries.
 */
export class BdSeqFile {
  constructor(private readonly path: string) {}

  /** The value the last session used; undefined when none is on record (or the file is unreadable). */
  last(): number | undefined {
    try {
      const v = (JSON.parse(readFileSync(this.path, 'utf8')) as { bdSeq?: unknown }).bdSeq;
      return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 255 ? v : undefined;
    } catch {
      return undefined;
    }
  }

  /** Takes the next value and records it before the session that uses it starts. */
  next(): number {
    const last = this.last();
    const v = last === undefined ? 0 : (last + 1) & 0xff;
    mkdirSync(dirname(this.path), { recursive: true });
    // Write-then-rename: a crash mid-write leaves the old value, never a torn file.
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, `${JSON.stringify({ bdSeq: v })}\n`);
    renameSync(tmp, this.path);
    return v;
  }
}
