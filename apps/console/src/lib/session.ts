import { useSyncExternalStore } from 'react';

/** The signed-in API key lives in this tab's session storage only: never a cookie, never a URL. */
const STORAGE_KEY = 'gpupool.apiKey';
const listeners = new Set<() => void>();

export function apiKey(): string | null {
  return sessionStorage.getItem(STORAGE_KEY);
}

export function signIn(key: string): void {
  sessionStorage.setItem(STORAGE_KEY, key);
  listeners.forEach((l) => l());
}

export function signOut(): void {
  sessionStorage.removeItem(STORAGE_KEY);
  listeners.forEach((l) => l());
}

export function useApiKey(): string | null {
  return useSyncExternalStore((listener) => (listeners.add(listener), () => listeners.delete(listener)), apiKey);
}

export const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
