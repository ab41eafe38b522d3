import 'uplot/dist/uPlot.min.css';
import uPlot from 'uplot';
import { useEffect, useRef } from 'preact/hooks';
import { now as gatewayNow } from '../clock.js';
import type { RuleLimit, RuleTrend } from '../types.js';
import { unit as unitOf, value as fmtValue } from '../units.js';

/** One point of a tag's line: time (ms) and value, with the bucket's range when aggregated. */
export interface ChartPoint {
  t: number;
  v: number | null;
  min?: number | null;
  max?: number | null;
}

export interface ChartProps {
  points: ChartPoint[];
  unit: string | null;
  from: number;
  to: number;
  limits: RuleLimit[];
  trend: RuleTrend | undefined;
  label: string;
  /** An on/off tag (run status): its axis reads off and on; an aggregated point is the share of the time it was on. */
  onOff?: boolean;
}

const PRIORITY_COLOUR = ['#6b7280', '#b91c1c', '#dc2626', '#d97706', '#2563eb'];

const hm = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const hms = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dm = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });

/** Time ticks in the browser's zone and locale: hours and minutes, the date where the day changes. */
function timeTicks(span: number) {
  return (_u: uPlot, splits: number[]) =>
    splits.map((s, i) => {
      const d = new Date(s * 1000);
      if (span > 2 * 86_400_000) return dm.format(d);
      const prev = i > 0 ? new Date(splits[i - 1]! * 1000) : undefined;
      const t = (span < 15 * 60_000 ? hms : hm).format(d);
      return !prev || prev.getDate() !== d.getDate() ? `${t}\n${dm.format(d)}` : t;
    });
}

/** The axes' font (uPlot's default), set on the axes and measured for their width. */
const AXIS_FONT = '12px system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif';
let measure: CanvasRenderingContext2D | null | undefined;

/** Room for the widest value label, measured (`4 mm/s` is wider than its six characters guessed). */
function labelRoom(_u: uPlot, values: string[] | undefined): number {
  measure ??= document.createElement('canvas').getContext('2d');
  if (measure) measure.font = AXIS_FONT;
  const widths = (values ?? []).map((v) => (measure ? measure.measureText(v).width : v.length * 8));
  return Math.ceil(18 + Math.max(24, ...widths));
}

/** A legend that follows the cursor where there is one to hover with; on a touch screen, names only. */
const hover = () => typeof matchMedia === 'function' && matchMedia('(hover: hover) and (pointer: fine)').matches;

/** `24h`, `30m`, `7d`, `90s` → ms. */
export function windowMs(w: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(w.trim());
  if (!m) return undefined;
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
}

/**
 * The trend a `timeToLimit` rule reads, drawn: the least-squares line through the window's points
 * (as the rule fits it), from the window's start to where it meets the limit. The crossing time is
 * the rule's own figure (`hours` from now) when it has one.
 */
export function trendLine(points: ChartPoint[], trend: RuleTrend, now: number): { x0: number; y0: number; x1: number; y1: number; crossing: number | undefined } | undefined {
  const w = windowMs(trend.window);
  if (!w) return undefined;
  const ps = points.filter((p) => p.t >= now - w && p.t <= now && p.v !== null) as { t: number; v: number }[];
  if (ps.length < 3) return undefined;
  const n = ps.length;
  const mt = ps.reduce((s, p) => s + p.t, 0) / n;
  const mv = ps.reduce((s, p) => s + p.v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const p of ps) (sxy += (p.t - mt) * (p.v - mv)), (sxx += (p.t - mt) ** 2);
  if (sxx === 0) return undefined;
  const slope = sxy / sxx;
  const at = (t: number) => mv + slope * (t - mt);
  const x0 = ps[0]!.t;
  const own = slope !== 0 ? mt + (trend.limit - mv) / slope : Number.NaN;
  const crossing = trend.hours !== null && Number.isFinite(trend.hours) && trend.hours >= 0 ? now + trend.hours * 3_600_000 : Number.isFinite(own) && own > now ? own : undefined;
  const x1 = crossing ?? now;
  return { x0, y0: at(x0), x1, y1: crossing !== undefined ? trend.limit : at(now), crossing };
}

/**
 * A tag's chart (uPlot): the value (the bucket average, with its min-max band when aggregated),
 * each rule limit on this tag as a dashed line in its priority's colour, and the trend line with
 * its predicted crossing where a trend rule reads the tag.
 */
export function Chart(p: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const now = Math.min(gatewayNow(), p.to);
    const tl = p.trend ? trendLine(p.points, p.trend, now) : undefined;
    // The x axis runs to the predicted crossing when it falls within one more range ahead.
    const span = p.to - p.from;
    const showCross = tl?.crossing !== undefined && tl.crossing - p.to <= span;
    const xEnd = showCross ? Math.max(p.to, tl!.crossing! + span * 0.03) : p.to;
    const xs = [...p.points.map((x) => x.t)];
    // The range's ends are x values too, so limit lines run the chart's whole width.
    const extra = [p.from, xEnd, ...(tl ? [tl.x0, showCross ? tl.x1 : Math.min(tl.x1, p.to)] : [])];
    const all = [...new Set([...xs, ...extra])].sort((a, b) => a - b);
    const idx = new Map(all.map((t, i) => [t, i]));
    const col = (f: (x: ChartPoint) => number | null | undefined) => {
      const a: (number | null)[] = new Array(all.length).fill(null);
      for (const x of p.points) a[idx.get(x.t)!] = f(x) ?? null;
      return a;
    };
    const hasBand = p.points.some((x) => x.min !== undefined && x.min !== null && x.max !== x.min);
    const u = unitOf(p.unit);
    const data: (number | null)[][] = [all.map((t) => t / 1000), col((x) => x.v)];
    const series: uPlot.Series[] = [{}, { label: p.label, stroke: '#1d4ed8', width: 2, spanGaps: false, points: { show: p.points.length < 60 } }];
    const bands: uPlot.Band[] = [];
    if (hasBand) {
      data.push(col((x) => x.max), col((x) => x.min));
      series.push({ label: 'max', stroke: 'rgba(29,78,216,0.25)', width: 1 }, { label: 'min', stroke: 'rgba(29,78,216,0.25)', width: 1 });
      bands.push({ series: [2, 3], fill: 'rgba(29,78,216,0.10)' });
    }
    for (const l of p.limits) {
      data.push(all.map(() => l.value));
      series.push({ label: `limit ${fmtValue(l.value, p.unit)} (P${l.priority} ${l.name})`, stroke: PRIORITY_COLOUR[l.priority] ?? '#444', width: 1.5, dash: [6, 4], points: { show: false } });
    }
    if (tl) {
      const tr: (number | null)[] = new Array(all.length).fill(null);
      tr[idx.get(tl.x0)!] = tl.y0;
      const end = showCross ? tl.x1 : Math.min(tl.x1, p.to);
      tr[idx.get(end)!] = tl.x1 === end ? tl.y1 : tl.y0 + ((tl.y1 - tl.y0) * (end - tl.x0)) / (tl.x1 - tl.x0);
      data.push(tr);
      series.push({ label: `trend → ${fmtValue(p.trend!.limit, p.unit)}`, stroke: '#7c3aed', width: 1.5, dash: [2, 3], spanGaps: true, points: { show: true, size: 5 } });
    }
    const opts: uPlot.Options = {
      width: Math.max(240, el.clientWidth),
      height: 220,
      series,
      bands,
      scales: { x: { time: true, range: () => [p.from / 1000, xEnd / 1000] }, ...(p.onOff ? { y: { range: [-0.1, 1.1] as uPlot.Range.MinMax } } : {}) },
      axes: [
        { stroke: '#4b5563', grid: { stroke: '#e5e7eb' }, font: AXIS_FONT, values: timeTicks(xEnd - p.from), size: 44 },
        p.onOff
          ? { stroke: '#4b5563', grid: { stroke: '#e5e7eb' }, font: AXIS_FONT, size: labelRoom, splits: () => [0, 1], values: (_u, vals) => vals.map((v) => (v === 1 ? 'on' : v === 0 ? 'off' : '')) }
          : { stroke: '#4b5563', grid: { stroke: '#e5e7eb' }, font: AXIS_FONT, size: labelRoom, values: (_u, vals) => vals.map((v) => `${v}${u ? ` ${u}` : ''}`) },
      ],
      legend: { live: hover() },
      cursor: { drag: { x: false, y: false } },
    };
    const plot = new uPlot(opts, data as uPlot.AlignedData, el);
    el.dataset.points = String(p.points.filter((x) => x.v !== null).length);
    el.dataset.limits = p.limits.map((l) => l.value).join(',');
    el.dataset.crossing = tl?.crossing !== undefined ? new Date(tl.crossing).toISOString() : '';
    const ro = new ResizeObserver(() => plot.setSize({ width: Math.max(240, el.clientWidth), height: 220 }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.destroy();
    };
  }, [p.points, p.from, p.to, p.limits, p.trend, p.unit, p.label, p.onOff]);
  return <div class="chart" ref={box} />;
}
