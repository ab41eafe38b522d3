import { signal } from '@preact/signals';
import { get } from './api.js';

/**
 * Names for ids: asset names (`GET /api/assets`) and rule names (`GET /api/rules`), read once a
 * page load, so lists the API gives with ids (alarms, the audit log, a dry run) show what people
 * call things. Until they are read, or where a name is unknown, the id stands.
 */
const assets = signal<ReadonlyMap<string, string>>(new Map());
const rules = signal<ReadonlyMap<string, string>>(new Map());
let asked = false;

function ask(): void {
  if (asked) return;
  asked = true;
  Promise.all([get<{ id: string; name: string }[]>('/api/assets'), get<{ id: string; name: string }[]>('/api/rules').catch(() => [])]).then(
    ([a, r]) => {
      assets.value = new Map(a.map((x) => [x.id, x.name]));
      rules.value = new Map(r.map((x) => [x.id, x.name]));
    },
    // Not logged in yet: asked again at the next render.
    () => (asked = false),
  );
}

export function assetName(id: string): string {
  ask();
  return assets.value.get(id) ?? id;
}

/** Every asset as `[id, name]`, by name (for a filter). */
export function assetChoices(): [string, string][] {
  ask();
  return [...assets.value].sort((a, b) => a[1].localeCompare(b[1], undefined, { numeric: true }));
}

export function ruleName(id: string): string {
  ask();
  return rules.value.get(id) ?? id;
}

/** Reads the names again (after a rule file is saved: rules may have been added or renamed). */
export function forgetNames(): void {
  asked = false;
}
