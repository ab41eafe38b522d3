/** The API's answers as the page reads them (gateway/api*.ts and the routes of the API contract). */

export type Level = 'site' | 'area' | 'line' | 'asset';

export interface Reason {
  kind: string;
  weight: number;
  detail: string;
  ref?: string;
}

export interface AlarmCounts {
  1: number;
  2: number;
  3: number;
  4: number;
}

export interface HealthNode {
  id: string;
  name: string;
  level: Level;
  score: number;
  worst: { id: string; name: string; score: number };
  reasons: Reason[];
  activeAlarms: AlarmCounts;
  openOrders: number;
  criticality?: 'A' | 'B' | 'C';
  children: HealthNode[];
}

export interface Alarm {
  rule: string;
  name: string;
  priority: number;
  state: string;
  active: boolean;
  acknowledged: boolean;
  episode: number;
  since: string | null;
  shelvedUntil: string | null;
  chattering: boolean;
  repeating: boolean;
  suppressedOrders: number;
  asset?: string;
}

export interface Tag {
  id: string;
  name: string;
  unit: string | null;
  value: number | string | boolean | null;
  ts: string | null;
  quality: 'Good' | 'Uncertain' | 'Bad' | null;
  reason: string | null;
}

export interface Asset {
  id: string;
  name: string;
  class: string | null;
  serialNumber: string | null;
  manufacturer: string | null;
  model: string | null;
  criticality: 'A' | 'B' | 'C';
  path: string;
  location: { level: Level; id: string; name: string }[];
  alarms: Alarm[];
  activeAlarms: Alarm[];
  tags: Tag[];
  meters: { id: string; type: string; value: number | null; unit: string }[];
}

export interface RuleLimit {
  rule: string;
  name: string;
  priority: number;
  tag: string;
  operator: string;
  value: number;
}

export interface RuleTrend {
  rule: string;
  name: string;
  tag: string;
  limit: number;
  window: string;
  hours: number | null;
}

export interface AssetHealth {
  id: string;
  score: number;
  reasons: Reason[];
  limits: RuleLimit[];
  trends: RuleTrend[];
  pm: { rule: string; name: string; meter: string; due: number; value: number; unit: string }[];
}

export interface StatusEntry {
  status: string;
  notes: string | null;
  technician: string | null;
  at: string;
  source: string;
}

export interface OrderUpdate {
  sequence: number;
  priority: number;
  previousPriority: number;
  escalated: boolean;
  at: string;
  note: string;
}

export interface Delivery {
  target: string;
  /** 0: the order itself; n: its n-th update. */
  update?: number;
  state: 'pending' | 'delivered' | 'failed' | 'dead' | 'cancelled';
  attempts: number;
  lastError: string | null;
  externalId: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
}

export interface WorkOrder {
  id: string;
  title: string;
  description: string;
  priority: number;
  currentPriority?: number;
  kind?: string;
  type: string;
  createdAt: string;
  asset: { id: string; name: string; path: string };
  rule: { id: string; name: string; episode: number };
  status: string;
  statusAt: string | null;
  statusHistory: StatusEntry[];
  updates?: OrderUpdate[];
  deliveries: Delivery[];
}

export interface HistoryPoint {
  t: string;
  min: number | null;
  avg: number | null;
  max: number | null;
  last: number | null;
  count: number;
}
