import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Sample, TagKey } from '../core/sample.js';

export type ConnectionState = 'starting' | 'connected' | 'reconnecting' | 'disconnected' | 'stopped';

export interface SourceStatus {
  id: string;
  type: string;
  state: ConnectionState;
  detail: string | undefined;
  since: number;
  /** Counters a source chooses to expose (messages, malformed payloads, reads, exceptions…). */
  counters: Record<string, number>;
  devices?: DeviceStatus[];
}

/** State of one device behind a source (a Modbus unit, an OPC UA subscription…). */
export interface DeviceStatus {
  id: string;
  state: ConnectionState;
  detail: string | undefined;
  since: number;
  counters: Record<string, number>;
}

export interface SourceContext {
  /** Hands samples to the pipeline. Synchronous; returns when they are processed. */
  ingest(samples: readonly Sample[]): void;
  /**
   * Calls `cb` once what was ingested so far is committed (alarm transitions and work orders
   * commit in groups at the end of the event-loop turn). Acknowledge a delivery to a peer here.
   */
  whenDurable(cb: () => void): void;
  status(state: ConnectionState, detail?: string): void;
  clock: Clock;
  log: Logger;
  /** Aborts when the gateway stops. */
  signal: AbortSignal;
  /** The gateway's data folder (absolute): certificates, PKI and source state live under it. */
  dataDir: string;
  /**
   * The catalog index of a tag key (undefined: not a configured tag). A source that sees the same
   * keys again and again can resolve each once and pass `Sample.index`.
   */
  tagIndex?(key: TagKey): number | undefined;
}

/**
 * A telemetry source. Lifecycle: construct from config → `start(ctx)` (connects, subscribes or
 * starts polling; resolves once running, even if the peer is not reachable yet) → samples flow
 * through `ctx.ingest` → `stop()` (unsubscribes, disconnects, resolves when quiet).
 * A source recovers from every connection loss by itself, with backoff, and reports its
 * connection state through `ctx.status`. It never throws at a caller for bad input.
 */
export interface Source {
  readonly id: string;
  readonly type: string;
  start(ctx: SourceContext): Promise<void>;
  stop(): Promise<void>;
  counters(): Record<string, number>;
  /** Per-device state, for sources that talk to several devices over one connection. */
  devices?(): DeviceStatus[];
}
