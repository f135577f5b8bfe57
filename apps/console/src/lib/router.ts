import { useSyncExternalStore } from 'react';

/** A small path router under /console: pages are paths, navigation is history.pushState. */
export const BASE = '/console';
const listeners = new Set<() => void>();
window.addEventListener('popstate', () => listeners.forEach((l) => l()));

export function navigate(page: string): void {
  history.pushState(null, '', `${BASE}/${page}`);
  listeners.forEach((l) => l());
}

const currentPage = () => location.pathname.slice(BASE.length).replace(/^\/+|\/+$/g, '');

export function usePage(): string {
  return useSyncExternalStore((listener) => (listeners.add(listener), () => listeners.delete(listener)), currentPage);
}
