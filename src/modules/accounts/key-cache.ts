/**
 * API keys already looked up, by the hash of their secret, so that most requests do not ask
 * PostgreSQL who sent them (under load each round trip is a wake-up of the database and of the API
 * on a busy CPU). It is right only while every change is heard: triggers on api_keys and accounts
 * NOTIFY on commit (migrations/0024_auth-changes.sql), a change drops what it touches, and while the
 * channel is not listening nothing is kept or served. An entry also expires after `ttlMs`.
 */
import type { Listener, ListenHandlers } from "../../db/listen.ts";

/** The channel the triggers notify: payload "key:<api key id>" or "account:<account id>". */
export const AUTH_CHANGES_CHANNEL = "cardmerge_auth_changes";

export interface CachedKey<T> {
  value: T;
  keyId: string;
  /** The accounts the value names (the key's own, and the one it acts on). */
  accountIds: readonly string[];
  /** When the key's last use was last written (ms since the epoch). */
  touchedAt: number;
}

export interface KeyCache<T> {
  get(hash: string): CachedKey<T> | undefined;
  /** Call before a lookup, and pass what it returns to put(): a change heard meanwhile voids it. */
  begin(): number;
  put(hash: string, startedAt: number, entry: CachedKey<T>): void;
  /** Drops what a change names, in this process, before the notification comes back. */
  forget(payload: string): void;
  readonly listening: boolean;
  close(): Promise<void>;
}

export function createKeyCache<T>(opts: {
  ttlMs: number;
  max: number;
  /** Starts listening on AUTH_CHANGES_CHANNEL; called on the first get(). */
  watch: (handlers: ListenHandlers) => Listener;
  now?: () => number;
}): KeyCache<T> {
  const now = opts.now ?? Date.now;
  const entries = new Map<string, CachedKey<T> & { expires: number }>();
  // Bumped by every change heard and every loss: a lookup that spans one is not kept.
  let changes = 0;
  let listener: Listener | undefined;

  const forget = (payload: string) => {
    changes++;
    const [kind, id = ""] = payload.split(":", 2);
    // A payload of another kind names nothing we can match: drop everything rather than guess.
    const touched =
      kind === "key"
        ? (e: CachedKey<T>) => e.keyId === id
        : kind === "account"
          ? (e: CachedKey<T>) => e.accountIds.includes(id)
          : () => true;
    for (const [hash, e] of entries) if (touched(e)) entries.delete(hash);
  };
  const handlers: ListenHandlers = {
    onMessage: forget,
    onListening: () => {
      changes++;
    },
    onLost: () => {
      changes++;
      entries.clear();
    },
  };

  return {
    get(hash) {
      listener ??= opts.watch(handlers);
      if (!listener.listening) return undefined;
      const e = entries.get(hash);
      if (!e) return undefined;
      if (e.expires <= now()) {
        entries.delete(hash);
        return undefined;
      }
      return e;
    },
    begin: () => changes,
    put(hash, startedAt, entry) {
      if (!listener?.listening || startedAt !== changes) return;
      entries.delete(hash);
      entries.set(hash, { ...entry, expires: now() + opts.ttlMs });
      // Oldest first in a Map: past the bound, the longest-kept entries go.
      while (entries.size > opts.max) entries.delete(entries.keys().next().value as string);
    },
    forget,
    get listening() {
      return listener?.listening ?? false;
    },
    async close() {
      await listener?.close();
      entries.clear();
    },
  };
}
