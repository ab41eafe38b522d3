import { signal } from '@preact/signals';

/** Screens by hash (`#/asset/p-101`), so links and the browser's back button work with no server routes. */
export type Route =
  | { name: 'overview' }
  | { name: 'asset'; id: string }
  | { name: 'alarms' }
  | { name: 'orders' }
  | { name: 'rules'; file: string | undefined }
  | { name: 'login' };

export function parse(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  switch (parts[0]) {
    case 'asset':
      return parts[1] ? { name: 'asset', id: parts[1] } : { name: 'overview' };
    case 'alarms':
      return { name: 'alarms' };
    case 'orders':
      return { name: 'orders' };
    case 'rules':
      return { name: 'rules', file: parts.slice(1).join('/') || undefined };
    case 'login':
      return { name: 'login' };
    default:
      return { name: 'overview' };
  }
}

export const route = signal<Route>(parse(location.hash));
addEventListener('hashchange', () => (route.value = parse(location.hash)));

export const href = {
  overview: () => '#/',
  asset: (id: string) => `#/asset/${encodeURIComponent(id)}`,
  alarms: () => '#/alarms',
  orders: () => '#/orders',
  rules: (file?: string) => `#/rules${file ? `/${file.split('/').map(encodeURIComponent).join('/')}` : ''}`,
  login: () => '#/login',
};

export function go(to: string): void {
  location.hash = to;
}
