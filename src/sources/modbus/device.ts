import type { ModbusDeviceConfig } from '../../config/sources/modbus.js';
import type { CbmError } from '../../core/errors.js';
import { OnceLogger } from '../../core/logger.js';
import type { Sample } from '../../core/sample.js';
import type { ConnectionState, DeviceStatus, SourceContext } from '../source.js';
import { splitBlock, type Block } from './coalesce.js';
import { decodeRegisters, scaleValue } from './decode.js';
import { classify, failureReason } from './failure.js';
import type { ModbusLink } from './link.js';
import { planDevice, type PlanPoint, type PollGroup } from './plan.js';

export interface DeviceCounters {
  polls: number;
  requests: number;
  samples: number;
  bad: number;
  exceptions: number;
  /** Answers of the wrong length, byte count or function code (a device or gateway bug). */
  badResponses: number;
  timeouts: number;
  retries: number;
  disconnects: number;
  connects: number;
}

/**
 * Polls one device (a unit id behind a link) until the signal aborts. Its poll groups are read
 * on their own schedules, one request at a time. Any timeout or lost connection (after
 * `retries`) marks every point Bad once, drops a TCP connection and reconnects with doubling
 * backoff, forever; the first good answer turns the device `connected` again.
 */
export class DevicePoller {
  readonly groups: PollGroup[];
  readonly c: DeviceCounters = { polls: 0, requests: 0, samples: 0, bad: 0, exceptions: 0, badResponses: 0, timeouts: 0, retries: 0, disconnects: 0, connects: 0 };
  private state: ConnectionState = 'starting';
  private detail: string | undefined;
  private since: number;
  private failures = 0;
  /** Exceptions seen in each group's last cycle, so one group's clean cycle does not hide another's. */
  private readonly problems = new Map<string, string[]>();
  /** An exception or malformed answer is logged once per request and reason; each is counted. */
  private readonly once: OnceLogger;

  constructor(
    readonly cfg: ModbusDeviceConfig,
    private readonly link: ModbusLink,
    private readonly ctx: SourceContext,
    private readonly onState: () => void,
  ) {
    this.groups = planDevice(cfg);
    this.since = ctx.clock.now();
    this.once = new OnceLogger(ctx.log);
  }

  status(): DeviceStatus {
    return { id: this.cfg.id, state: this.state, detail: this.detail, since: this.since, counters: { ...this.c } };
  }

  get connectionState(): ConnectionState {
    return this.state;
  }

  private setState(state: ConnectionState, detail: string | undefined): void {
    if (state === this.state && detail === this.detail) return;
    if (state !== this.state) {
      this.since = this.ctx.clock.now();
      this.ctx.log.info({ device: this.cfg.id, state, detail }, `modbus device ${state}`);
    }
    this.state = state;
    this.detail = detail;
    this.onState();
  }

  async run(signal: AbortSignal): Promise<void> {
    const { clock } = this.ctx;
    for (const g of this.groups) g.due = clock.now();
    while (!signal.aborted) {
      try {
        if (!this.link.isOpen) {
          this.c.connects++;
          await untilAborted(this.link.connect(this.cfg.connectTimeout), signal);
        }
        const g = this.groups.reduce((a, b) => (b.due < a.due ? b : a));
        const wait = g.due - clock.now();
        if (wait > 0) await clock.sleep(wait, signal);
        await this.poll(g, signal);
        // Fixed rate; a cycle that overran starts the next at once rather than bursting to catch up.
        g.due = Math.max(g.due + g.interval, clock.now());
        this.failures = 0;
      } catch (e) {
        if (signal.aborted) break;
        await this.down(classify(e), signal);
      }
    }
    this.setState('stopped', undefined);
  }

  /** Device unreachable: every point Bad (once), state `reconnecting`, back off, try again. */
  private async down(e: CbmError, signal: AbortSignal): Promise<void> {
    this.c.disconnects++;
    if (this.cfg.transport === 'tcp') this.link.drop();
    this.markBad(this.groups.flatMap((g) => g.points), failureReason(e));
    this.setState('reconnecting', e.message);
    const r = this.cfg.reconnect;
    const delay = Math.min(r.maxDelay, r.initialDelay * 2 ** Math.min(this.failures, 30));
    this.failures++;
    await this.ctx.clock.sleep(delay, signal).catch(() => undefined);
    for (const g of this.groups) g.due = Math.min(g.due, this.ctx.clock.now());
  }

  private async poll(g: PollGroup, signal: AbortSignal): Promise<void> {
    this.c.polls++;
    const out: Sample[] = [];
    const problems: string[] = [];
    try {
      await this.readBlocks(g, signal, out, problems);
    } finally {
      // Values read before a later request failed are still fresh: hand them over either way.
      if (out.length) this.ctx.ingest(out);
    }
    this.problems.set(g.id, problems);
    const all = [...this.problems.values()].flat();
    this.setState('connected', all.length ? all.join('; ') : undefined);
  }

  private async readBlocks(g: PollGroup, signal: AbortSignal, out: Sample[], problems: string[]): Promise<void> {
    for (let i = 0; i < g.blocks.length; i++) {
      if (signal.aborted) return;
      const b = g.blocks[i]!;
      let res;
      try {
        res = await this.request(b);
      } catch (err) {
        const e = classify(err);
        // An exception or a malformed answer concerns this request: its points are Bad, the
        // device stays connected and the other requests go on.
        if (e.code !== 'CBM_ERR_MODBUS_EXCEPTION' && e.code !== 'CBM_ERR_MODBUS_RESPONSE') throw e;
        if (e.code === 'CBM_ERR_MODBUS_EXCEPTION') {
          this.c.exceptions++;
          const code = (e.details as { exception: number }).exception;
          // 02 on a coalesced read may come from a gap register the device does not have: read its points one by one from now on.
          if (code === 0x02 && b.points.length > 1) {
            g.blocks.splice(i, 1, ...splitBlock(b));
            i--;
            continue;
          }
        } else this.c.badResponses++;
        const where = `${b.fn} ${b.start}+${b.count}`;
        const reason = failureReason(e);
        problems.push(`${e.message} at ${where}`);
        this.once.warn(`${reason}:${this.cfg.id}:${where}`, { device: this.cfg.id, request: where, tags: b.points.map((p) => p.key), err: e.message }, `modbus ${e.code === 'CBM_ERR_MODBUS_EXCEPTION' ? 'exception' : 'malformed answer'}: the points of this request are Bad`);
        this.markBad(b.points, reason, out);
        continue;
      }
      const ts = this.ctx.clock.now();
      for (const p of b.points) {
        out.push({ tag: p.key, ts, value: readPoint(p, b, res), quality: 'Good' });
        p.badReason = undefined;
      }
      this.c.samples += b.points.length;
    }
  }

  /** One request with up to `retries` more attempts after a timeout, a malformed answer or a busy/gateway exception. */
  private async request(b: Block) {
    for (let attempt = 0; ; attempt++) {
      this.c.requests++;
      try {
        return await this.link.read(this.cfg.unitId, b.fn, b.start, b.count, this.cfg.timeout);
      } catch (err) {
        const e = classify(err);
        if (e.code === 'CBM_ERR_MODBUS_TIMEOUT') this.c.timeouts++;
        // A garbled answer may be noise on a serial line: asked again like a timeout.
        const again = e.code === 'CBM_ERR_MODBUS_TIMEOUT' || e.code === 'CBM_ERR_MODBUS_RESPONSE' || (e.code === 'CBM_ERR_MODBUS_EXCEPTION' && e.retryable);
        if (!again || attempt >= this.cfg.retries) throw e;
        this.c.retries++;
      }
    }
  }

  /** Sends a Bad sample for each point whose reason changed; a lasting fault is reported once. */
  private markBad(points: PlanPoint[], reason: string, out?: Sample[]): void {
    const ts = this.ctx.clock.now();
    const batch = out ?? [];
    for (const p of points) {
      if (p.badReason === reason) continue;
      p.badReason = reason;
      batch.push({ tag: p.key, ts, value: Number.NaN, quality: 'Bad', reason });
      this.c.bad++;
    }
    if (!out && batch.length) this.ctx.ingest(batch);
  }
}

/** Stops waiting for `p` when the gateway stops (a connect to a silent host can take `connectTimeout`). */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  let onAbort: () => void = () => undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([p, aborted]).finally(() => signal.removeEventListener('abort', onAbort));
}

function readPoint(p: PlanPoint, b: Block, res: { registers?: Buffer; bits?: boolean[] }): number | boolean | string {
  const rel = p.address - b.start;
  if (res.bits) return res.bits[rel] === true;
  return scaleValue(decodeRegisters(res.registers!, rel * 2, p), p.scale, p.offset);
}
