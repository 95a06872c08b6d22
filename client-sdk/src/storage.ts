/**
 * Where the SDK keeps what must survive a page refresh: the session's access token and
 * each table's seat token. Pluggable: localStorage in a browser, memory or a file in
 * Node (see `@holdfast/client-sdk/node`), or anything with these three methods.
 */
export interface KeyValueStorage {
  get(key: string): string | null | Promise<string | null>;
  set(key: string, value: string): void | Promise<void>;
  remove(key: string): void | Promise<void>;
}

export class MemoryStorage implements KeyValueStorage {
  private readonly values = new Map<string, string>();
  get(key: string): string | null {
    return this.values.get(key) ?? null;
  }
  set(key: string, value: string): void {
    this.values.set(key, value);
  }
  remove(key: string): void {
    this.values.delete(key);
  }
}

/** `window.localStorage`, when there is one. */
export class BrowserStorage implements KeyValueStorage {
  get(key: string): string | null {
    return globalThis.localStorage.getItem(key);
  }
  set(key: string, value: string): void {
    globalThis.localStorage.setItem(key, value);
  }
  remove(key: string): void {
    globalThis.localStorage.removeItem(key);
  }
}

export function defaultStorage(): KeyValueStorage {
  return typeof globalThis.localStorage !== "undefined" ? new BrowserStorage() : new MemoryStorage();
}

export const storageKeys = {
  session: "holdfast:session",
  seat: (tableId: string, userId: string) => `holdfast:seat:${tableId}:${userId}`,
};
