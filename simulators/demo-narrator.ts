import type { Scenario } from './scenario/load.js';

/**
 * What `npm run demo` prints: the plan in plain words (from the scenario's ground truth), then
 * one line per thing worth seeing, stamped with seconds since the demo started and the plant
 * hour. Keeps the timeline, so the demo can end with it.
 */
export class Narrator {
  readonly timeline: { at: number; what: string }[] = [];
  private readonly t0 = performance.now();
  /** Alarms known to chatter: their further raises and clears are not worth a line each. */
  private readonly chattering = new Set<string>();

  constructor(
    private readonly plantHour: () => number | undefined,
    private readonly names: ReadonlyMap<string, string>,
  ) {}

  name(asset: string): string {
    return this.names.get(asset) ?? asset.toUpperCase();
  }

  get seconds(): number {
    return (performance.now() - this.t0) / 1000;
  }

  say(what: string, keep = false): void {
    const h = this.plantHour();
    const stamp = `[${this.seconds.toFixed(0).padStart(4)} s${h === undefined ? '' : ` | plant hour ${h.toFixed(0).padStart(3)}`}]`;
    process.stdout.write(`${stamp} ${what}\n`);
    if (keep) this.timeline.push({ at: this.seconds, what });
  }

  plan(s: Scenario, startsIn: number): void {
    const hour = (t: number | undefined) => (t === undefined ? undefined : (t - s.start) / 3_600_000);
    const when = (t: number | undefined) => {
      const h = hour(t);
      return h === undefined ? 'not within the run' : `plant hour ${h.toFixed(0)} (about ${Math.round(startsIn + (h * 3_600_000) / s.scale / 1000)} s from now)`;
    };
    const c = (id: string) => s.crossings.get(id);
    const lines = [
      '',
      'What will happen, and what a maintenance planner wants from it:',
      `  * ${this.name('p-101')}: its drive-end bearing starts to wear at plant hour 5. Its vibration`,
      `    reaches ISO 10816-3 zone C at ${when(c('p-101.vibration>2.8'))}, zone D at ${when(c('p-101.vibration>4.5'))}.`,
      '    The vibration trend rule should order a bearing change before either static limit.',
      `  * ${this.name('p-103')}: a loose connector makes its bearing PT100 jump across 85 °C every 15 s from`,
      `    ${when(s.start + 20 * 3_600_000)} for 20 hours. At most one order: ISA-18.2's chattering check holds the rest.`,
      `  * ${this.name('m-202')}: its vibration transmitter freezes at ${when(s.start + 30 * 3_600_000)}; the stuck-sensor rule`,
      '    flags it within about an hour of plant time.',
      `  * ${this.name('c-201')} and ${this.name('c-202')}: their 50 run-hour check comes due at ${when(c('c-202.run_hours>50'))}.`,
      `  * ${this.name('f-302')}: its filter loads with dust; the 300 Pa final pressure drop comes at ${when(c('f-302.filter_dp>300'))},`,
      '    the filter-change order at 250 Pa before that.',
      '',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }

  /** One gateway log line (pino JSON); returns true when it was worth printing. */
  gatewayLine(line: string): void {
    let j: Record<string, unknown>;
    try {
      j = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return; // node-opcua's notices and the like: in the log file only
    }
    const msg = String(j.msg ?? '');
    const level = Number(j.level ?? 30);
    const asset = typeof j.asset === 'string' ? this.name(j.asset) : '';
    const key = `${String(j.rule)}@${String(j.asset)}`;
    if (msg === 'alarm raised') {
      if (!j.order && this.chattering.has(key)) return;
      // What the raise did to orders (the gateway's log fields): a new order, an update of the open
      // order of the same problem (group), held by a flood, or nothing and why (`noOrder`).
      const did = j.order
        ? ', work order created'
        : j.updates
          ? `, added to the open work order of this problem${typeof j.escalatedTo === 'number' ? ` (priority raised to P${j.escalatedTo})` : ''}`
          : j.heldBy
            ? ', work order held (alarm flood)'
            : typeof j.noOrder === 'string'
              ? ` (no work order: ${j.noOrder})`
              : ' (no work order: see the gateway log)';
      this.say(`ALARM    ${asset}: ${String(j.rule)} raised${did}`, true);
    } else if (msg.startsWith('alarm is chattering')) {
      if (!this.chattering.has(key)) this.say(`CHATTER  ${asset}: ${String(j.rule)} is chattering; its work orders are held back while it does (further raises not shown)`, true);
      this.chattering.add(key);
    } else if (msg === 'alarm cleared' && !this.chattering.has(key)) this.say(`clear    ${asset}: ${String(j.rule)} back to normal`);
    else if (msg === 'source connected') this.say(`gateway  source ${String(j.source)} connected`);
    else if (msg === 'gateway started') this.say(`gateway  started: ${String(j.assets)} assets, ${String(j.tags)} tags`, true);
    else if (level >= 50) this.say(`gateway  error: ${msg} ${JSON.stringify(j.err ?? j.problems ?? '')}`);
  }

  summary(): void {
    process.stdout.write(`\nTimeline (seconds since npm run demo started):\n${this.timeline.map((e) => `  ${e.at.toFixed(0).padStart(4)} s  ${e.what}`).join('\n')}\n`);
  }
}
