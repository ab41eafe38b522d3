import type { ModbusDeviceConfig, ModbusSourceConfig } from '../../config/sources/modbus.js';
import type { DeviceStatus, Source, SourceContext } from '../source.js';
import { DevicePoller } from './device.js';
import { ModbusLink, type LinkTarget } from './link.js';

/**
 * Modbus TCP/RTU master. Each device has its own poll loop, so devices are polled concurrently;
 * a TCP device gets its own connection, RTU devices on the same serial port share one link that
 * serialises their requests. Source state: `connected` when every device answers, otherwise
 * `reconnecting` with a count; per-device state and counters come through `devices()`.
 */
export class ModbusSource implements Source {
  readonly type = 'modbus';
  readonly id: string;
  private readonly pollers: DevicePoller[] = [];
  private readonly links = new Map<string, ModbusLink>();
  private ctl: AbortController | undefined;
  private loops: Promise<void>[] = [];
  private ctx: SourceContext | undefined;

  constructor(private readonly cfg: ModbusSourceConfig) {
    this.id = cfg.id;
  }

  async start(ctx: SourceContext): Promise<void> {
    this.ctx = ctx;
    this.ctl = new AbortController();
    const signal = AbortSignal.any([ctx.signal, this.ctl.signal]);
    ctx.status('starting', `${this.cfg.devices.length} device(s)`);
    for (const d of this.cfg.devices) {
      const log = ctx.log.child({ device: d.id });
      const p = new DevicePoller(d, this.linkFor(d), { ...ctx, log }, () => this.report());
      this.pollers.push(p);
    }
    this.loops = this.pollers.map((p) => p.run(signal));
  }

  private linkFor(d: ModbusDeviceConfig): ModbusLink {
    let key: string;
    let target: LinkTarget;
    if (d.transport === 'tcp') {
      key = `tcp:${d.id}`;
      target = { transport: 'tcp', host: d.host!, port: d.port };
    } else {
      const s = d.serial!;
      key = `rtu:${s.path}`;
      target = { transport: 'rtu', path: s.path, baudRate: s.baudRate, parity: s.parity, dataBits: s.dataBits, stopBits: s.stopBits };
    }
    let link = this.links.get(key);
    if (!link) {
      link = new ModbusLink(target);
      this.links.set(key, link);
    }
    return link;
  }

  private report(): void {
    const ctx = this.ctx;
    if (!ctx || this.ctl?.signal.aborted) return;
    const up = this.pollers.filter((p) => p.connectionState === 'connected').length;
    const n = this.pollers.length;
    if (up === n) ctx.status('connected', `${n}/${n} devices answering`);
    else if (this.pollers.some((p) => p.connectionState === 'reconnecting')) ctx.status('reconnecting', `${up}/${n} devices answering`);
  }

  devices(): DeviceStatus[] {
    return this.pollers.map((p) => p.status());
  }

  counters(): Record<string, number> {
    const sum: Record<string, number> = {};
    for (const p of this.pollers) for (const [k, v] of Object.entries(p.c)) sum[k] = (sum[k] ?? 0) + v;
    return sum;
  }

  async stop(): Promise<void> {
    this.ctl?.abort();
    // Closing the links first fails any request in flight at once, instead of after its timeout.
    for (const l of this.links.values()) l.close();
    await Promise.all(this.loops);
    this.ctx?.status('stopped');
  }
}
