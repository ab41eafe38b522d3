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

let es: EventSource | undefined;

/** Stops following (logged out: the stream and the polls would be refused). */
export function stopLive(): void {
  es?.close();
  es = undefined;
  if (pollTimer) clearInterval(pollTimer), (pollTimer = undefined);
  liveMode.value = 'connecting';
}

/** Follows the gateway's changes; called again after a login (the stream is opened with the new session's cookie). */
export function startLive(): void {
  stopLive();
  if (typeof EventSource === 'undefined') return poll();
  const stream = (es = new EventSource('/api/events'));
  let opened = false;
  stream.onopen = () => {
    opened = true;
    liveMode.value = 'events';
    if (pollTimer) clearInterval(pollTimer), (pollTimer = undefined);
  };
  for (const type of ['alarm', 'order', 'health', 'reset']) stream.addEventListener(type, bump);
  stream.onerror = () => {
    // Never opened: this gateway has no event stream (404) or refuses it; poll instead. Once
    // opened, the browser reconnects by itself; poll meanwhile so nothing is missed.
    if (!opened) stream.close();
    poll();
  };
}
