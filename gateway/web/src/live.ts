import { signal } from '@preact/signals';

/**
 * Live updates: server-sent events from `GET /api/events` (alarm, order and health changes) when
 * the gateway has them, else polling. Screens re-read what they show when `tick` changes.
 */
export const tick = signal(0);
export const liveMode = signal<'connecting' | 'events' | 'polling'>('connecting');

const POLL_MS = 5000;
let pollTimer: ReturnType<typeof setInterval> | undefined;
let debounce: ReturnType<typeof setTimeout> | undefined;

/** Many events at once (a flood) make one refresh, not one per event. */
function bump(): void {
  if (debounce) return;
  debounce = setTimeout(() => {
    debounce = undefined;
    tick.value++;
  }, 300);
}

function poll(): void {
  liveMode.value = 'polling';
  pollTimer ??= setInterval(() => tick.value++, POLL_MS);
}

export function startLive(): void {
  if (typeof EventSource === 'undefined') return poll();
  const es = new EventSource('/api/events');
  let opened = false;
  es.onopen = () => {
    opened = true;
    liveMode.value = 'events';
    if (pollTimer) clearInterval(pollTimer), (pollTimer = undefined);
  };
  for (const type of ['alarm', 'order', 'health']) es.addEventListener(type, bump);
  es.onerror = () => {
    // Never opened: this gateway has no event stream (404) or refuses it; poll instead. Once
    // opened, the browser reconnects by itself; poll meanwhile so nothing is missed.
    if (!opened || es.readyState === EventSource.CLOSED) {
      if (!opened) es.close();
      poll();
    }
  };
}
